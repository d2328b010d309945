// Standalone baseline, not used by the forward pass (it adds the residual inside `linear`,
// with accumulate). Kept, tested against src/reference/add.ts, as the simplest kernel of
// its kind and a baseline for benchmarks.
// Residual add: out[i] = a[i] + b[i] for i < n. `out` may alias neither input.
// Bindings: 0 Params, 1 a: array<f32>[n], 2 b: array<f32>[n], 3 out: array<f32>[n].
// Dispatch: ceil(n / 256) workgroups, split over x and y when above 65535 (grid1d).

struct Params {
  n: u32,
  row_stride: u32, // workgroups per row of the dispatch grid, times 256
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_stride + gid.x;
  if (i >= params.n) {
    return;
  }
  out[i] = a[i] + b[i];
}
