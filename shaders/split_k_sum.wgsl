// Split-K combine for matmul_v2.wgsl: out[t, n] (= or +=) act(sum_s partials[s, t, n] + bias[n]),
// the splits added in order s = 0, 1, ... so the result does not depend on scheduling.
// One invocation per 4 adjacent columns of one row (16-byte loads and stores); N % 4 == 0.
// Bindings: 0 Params, 1 partials: [splits, T, N] f32, 2 bias: [N] f32, 3 out: [T, N] f32.
// Dispatch: grid1d(ceil(T * N / 4 / 256)) workgroups of 256 (x, then y rows of x).

struct Params {
  T: u32,
  N: u32,
  splits: u32,
}

override GELU: bool = false;
override ACCUMULATE: bool = false;

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

// See matvec.wgsl: tanh GELU as x * sigmoid(2u), NaN-free and exact for large |x|.
fn gelu(x: f32) -> f32 {
  let xc = clamp(x, -20.0, 20.0);
  let u = 0.7978845608028654 * (xc + 0.044715 * xc * xc * xc);
  let e = exp(-2.0 * abs(u));
  let s = select(e, 1.0, u >= 0.0) / (1.0 + e);
  return x * s;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let quads = params.N / 4u;
  let count = params.T * quads;
  let i = (wid.y * groups.x + wid.x) * WG + lid;
  if (i >= count) {
    return;
  }
  var v = partials[i];
  for (var s = 1u; s < params.splits; s++) {
    v += partials[s * count + i];
  }
  v += bias[i % quads];
  if (GELU) {
    v = vec4<f32>(gelu(v.x), gelu(v.y), gelu(v.z), gelu(v.w));
  }
  if (ACCUMULATE) {
    v += out[i];
  }
  out[i] = v;
}
