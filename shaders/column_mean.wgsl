// Mean of each column over rows: out[c] = (1 / rows) * sum over t < rows of x[t * C + c].
// The per-head means of mean ablation, taken over the prompt's positions at prefill.
// Bindings: 0 Params, 1 x: array<f32>[rows, C], 2 out: array<f32>[C].
// Dispatch: ceil(C / 64) workgroups; one invocation per column, reading rows in order
//   (neighbouring invocations read neighbouring floats).

struct Params {
  rows: u32,
  C: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= params.C) {
    return;
  }
  var sum = 0.0;
  for (var t = 0u; t < params.rows; t++) {
    sum += x[t * params.C + c];
  }
  out[c] = sum / f32(params.rows);
}
