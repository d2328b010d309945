// Direct logit attribution: how much each component of the final residual stream adds to the
// logit of token `token`, through ln_f with its scale frozen at the value for the whole stream.
// With x = rows[final_row] (the final residual, the sum of all components) and
// sigma = sqrt(var(x) + eps) (biased variance, as LayerNorm):
//   out[i] = sum over k < C of (c_i[k] - mean(c_i)) / sigma * gamma[k] * wte[token, k]  (i < n)
//   out[n] = sum over k < C of beta[k] * wte[token, k]
// where component c_i = rows[pairs[2i]] - rows[pairs[2i + 1]] (no subtraction when the second
// index is 0xffffffff). Since LayerNorm's centring is linear, sum(out) = the token's logit.
// Bindings: 0 Params, 1 rows: array<f32>[*, C], 2 pairs: array<u32>[2n], 3 gamma: array<f32>[C],
//   4 beta: array<f32>[C], 5 wte: array<u32> (f32 bits, or packed f16 pairs when WEIGHTS_F16),
//   6 out: array<f32>[n + 1].
// Dispatch: n + 1 workgroups of 64 (one per output), split over x and y (grid1d); each
//   workgroup's invocations stride over the channels and reduce in workgroup memory.

struct Params {
  C: u32,
  n: u32,
  token: u32,
  final_row: u32,
  eps: f32,
  row_stride: u32, // workgroups per row of the dispatch grid
}

override WEIGHTS_F16: bool = false;
const WG: u32 = 64u;
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rows: array<f32>;
@group(0) @binding(2) var<storage, read> pairs: array<u32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read> wte: array<u32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, WG>;

fn wte_at(k: u32) -> f32 {
  let i = params.token * params.C + k;
  if (WEIGHTS_F16) {
    let pair = unpack2x16float(wte[i >> 1u]);
    return select(pair.x, pair.y, (i & 1u) == 1u);
  }
  return bitcast<f32>(wte[i]);
}

// Sum of v over the workgroup, returned to every invocation.
fn reduce(lane: u32, v: f32) -> f32 {
  partial[lane] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lane < s) {
      partial[lane] += partial[lane + s];
    }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

fn component(i: u32, k: u32) -> f32 {
  let C = params.C;
  var v = rows[pairs[2u * i] * C + k];
  let minus = pairs[2u * i + 1u];
  if (minus != NONE) {
    v -= rows[minus * C + k];
  }
  return v;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let C = params.C;
  let i = wid.y * params.row_stride + wid.x;
  let lane = lid.x;
  // Every workgroup runs the same number of barriers: i past n only skips the write.
  let x0 = params.final_row * C;
  var s = 0.0;
  for (var k = lane; k < C; k += WG) {
    s += rows[x0 + k];
  }
  let mean_x = reduce(lane, s) / f32(C);
  var s2 = 0.0;
  for (var k = lane; k < C; k += WG) {
    let d = rows[x0 + k] - mean_x;
    s2 += d * d;
  }
  let sigma = sqrt(reduce(lane, s2) / f32(C) + params.eps);
  let is_comp = i < params.n;
  var sc = 0.0;
  if (is_comp) {
    for (var k = lane; k < C; k += WG) {
      sc += component(i, k);
    }
  }
  let mean_c = reduce(lane, sc) / f32(C);
  var acc = 0.0;
  if (is_comp) {
    for (var k = lane; k < C; k += WG) {
      acc += (component(i, k) - mean_c) * gamma[k] * wte_at(k);
    }
  } else if (i == params.n) {
    for (var k = lane; k < C; k += WG) {
      acc += beta[k] * wte_at(k);
    }
  }
  let total = reduce(lane, acc);
  if (lane == 0u && i <= params.n) {
    out[i] = select(total, total / sigma, is_comp);
  }
}
