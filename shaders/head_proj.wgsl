// Each head's share of attn.c_proj for one position: for h < NH, n < C,
//   out[(out_row0 + h) * C + n] = sum over k < HS of z[z_row * C + h*HS + k] * W[h*HS + k, n]
// with HS = C / NH and W the layer's c_proj weight [C, C] (Conv1D [in, out]; when
// ROW_PER_OUTPUT, held [out, in] as the v2 decode kernels read it). The rows sum
// to z @ W: the per-head terms of direct logit attribution (the layer's bias is apart).
// Bindings: 0 Params, 1 z: array<f32>[*, C], 2 w: array<u32> (f32 bits, or packed f16 pairs
//   when WEIGHTS_F16: element i in word i >> 1, low half for even i), 3 out: array<f32>.
// Dispatch: (ceil(C / 64), NH) workgroups of 64; invocation n of a row reads W down its
//   column (neighbouring invocations, neighbouring elements).

struct Params {
  C: u32,
  NH: u32,
  z_row: u32,
  out_row0: u32,
}

override WEIGHTS_F16: bool = false;
override ROW_PER_OUTPUT: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn weight(i: u32) -> f32 {
  if (WEIGHTS_F16) {
    let pair = unpack2x16float(w[i >> 1u]);
    return select(pair.x, pair.y, (i & 1u) == 1u);
  }
  return bitcast<f32>(w[i]);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let C = params.C;
  let n = gid.x;
  let h = gid.y;
  if (n >= C || h >= params.NH) {
    return;
  }
  let HS = C / params.NH;
  var acc = 0.0;
  for (var k = h * HS; k < (h + 1u) * HS; k++) {
    acc += z[params.z_row * C + k] * weight(select(k * C + n, n * C + k, ROW_PER_OUTPUT));
  }
  out[(params.out_row0 + h) * C + n] = acc;
}
