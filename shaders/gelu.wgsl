// Standalone baseline, not used by the forward pass (it applies GELU inside `linear`).
// Kept, tested against src/reference/gelu.ts, as the simplest kernel of its kind and a
// baseline for benchmarks.
// GELU, tanh form (GPT-2's "gelu_new"), elementwise:
//   out[i] = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), x = input[i], for i < n.
// Bindings: 0 Params, 1 input: array<f32>[n], 2 out: array<f32>[n] (a different buffer).
// Dispatch: ceil(n / 256) workgroups of 256, split over x and y when above 65535 (grid1d).

struct Params {
  n: u32,
  row_stride: u32, // workgroups per row of the dispatch grid, times 256
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// 0.5 (1 + tanh(u)) == 1 / (1 + exp(-2u)); evaluated with exp of a non-positive argument
// only, so nothing overflows and no driver's tanh sees a huge argument (some return NaN).
// |x| is clamped inside u only: from |x| = 20 on, exp(-2|u|) is 0 in f32, so large x gives
// exactly x and large negative x exactly (-)0, as the reference does.
fn gelu(x: f32) -> f32 {
  let xc = clamp(x, -20.0, 20.0);
  let u = 0.7978845608028654 * (xc + 0.044715 * xc * xc * xc);
  let e = exp(-2.0 * abs(u));
  let s = select(e, 1.0, u >= 0.0) / (1.0 + e);
  return x * s;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_stride + gid.x;
  if (i >= params.n) {
    return;
  }
  out[i] = gelu(input[i]);
}
