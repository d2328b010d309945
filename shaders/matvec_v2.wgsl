// Decode linear v2 (T = 1), row per output: out[n] (= or +=) act(dot(W[n, 0..K), x) + bias[n])
// for n < N, W stored [N, K] row-major ("row per output": GPT-2's Conv1D [K, N] weights are
// transposed once at load, see relayout.wgsl; wte [V, C] already is, so this is also the LM
// head). Memory-bound: every weight byte is read once, in 16-byte loads, by many invocations.
//
// Geometry: workgroups of 256 = 256 / GROUP groups of GROUP (64, 16 for the LM head's
// short rows, 4 on a CPU emulator) invocations; a workgroup owns (256 / GROUP) * RPI rows
// and group g takes rows base + (256 / GROUP) r + g (r < RPI). The invocations of a group
// stride along the row with vec4 loads (f32: 4 weights, f16: vec4<u32> = 8 packed weights), so a group of 64 reads
// 1 KiB of a row per step, contiguous; each keeps RPI vec4 accumulators, reusing each input
// load RPI times. group_sum (linked in front: subgroupAdd, or a tree in workgroup memory)
// reduces the RPI rows at once (a vec4); invocation 0 of the group applies the epilogue. GPT-2 XL's widest row
// (K = 6400) is 25 steps in f32 at GROUP 64; its LM head (K = 1600) 25 at GROUP 16.
// Rows whose K is not a multiple of 4 (f32) or 8 (f16) start at unaligned words: they take a
// scalar loop instead (awkward test shapes only; every GPT-2 has aligned rows).
//
// PROLOGUE (how the input row x is formed; 1 and 2 stage it in workgroup memory, K <= 2048):
//   0: x = input[in_row * K ..][0 .. K), read from global memory (L1/L2 hits after the first
//      workgroup).
//   1: x = layernorm(input[in_row * K ..][0 .. K)) * gamma + beta: the layernorm folded into
//      its consumer, each workgroup normalising the row for itself (C floats and gamma, beta:
//      small next to its 16 to 64 weight rows), statistics in one pass over shifted data.
//   2: x = the flash-decoding combine of attention_split.wgsl's partials in `input`, heads of
//      HS = K / heads channels: x[h*HS + d] = sum_s e_s acc[h, s, d] / sum_s e_s l[h, s] with
//      e_s = exp(m[h, s] - max_s m[h, s]). Partials layout: acc [heads, splits, HS] at 0,
//      then (m, l) pairs [heads, splits, 2].
// Epilogue: + bias[n] (BIAS), GELU (GELU), then with KV_OUT columns go to three buffers, the
// KV-cache write folded into c_attn: n = which * split + col, which 0 -> out, 1 -> out_k,
// 2 -> out_v, each at out_offset + col; otherwise out[out_offset + n] (= or += ACCUMULATE).
// Bindings: 0 Params, 1 input: array<f32>, 2 weight: array<vec4<u32>> (f32 bits, or f16
//   pairs when WEIGHTS_F16: element i in word i >> 1, low half when i is even), 3 bias:
//   array<f32>[N], 4 out: array<f32>, 5 gamma, 6 beta: array<f32>[K] (PROLOGUE 1), 7 out_k,
//   8 out_v: array<f32> (KV_OUT). Unused bindings get small stand-ins from the binding.
// Dispatch: ceil(N / ((256 / GROUP) RPI)) workgroups, split over x and y by grid1d.

struct Params {
  K: u32,
  N: u32,
  in_row: u32, // row of input read (prologues 0 and 1)
  out_offset: u32,
  split: u32, // KV_OUT: columns per destination buffer
  heads: u32, // PROLOGUE 2
  splits: u32, // PROLOGUE 2
  eps: f32, // PROLOGUE 1
}

override WEIGHTS_F16: bool = false;
override PROLOGUE: u32 = 0u;
override BIAS: bool = true;
override GELU: bool = false;
override ACCUMULATE: bool = false;
override KV_OUT: bool = false;
override RPI: u32 = 1u; // rows per invocation, 1..4
override GROUP: u32 = 64u; // invocations per row: 64, 16 (the LM head) or 4 (a CPU)

const WG: u32 = 256u;
const MAX_STAGED: u32 = 2048u; // floats of the staged row (prologues 1 and 2)
const MAX_RPI: u32 = 4u;
const MAX_COMBINE: u32 = 256u; // heads * splits (prologue 2)

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> gamma: array<f32>;
@group(0) @binding(6) var<storage, read> beta: array<f32>;
@group(0) @binding(7) var<storage, read_write> out_k: array<f32>;
@group(0) @binding(8) var<storage, read_write> out_v: array<f32>;

// Scalars, not vec4s: SwiftShader slows down badly on writes to one component of a vec4
// in workgroup memory at a dynamic index.
var<workgroup> xs: array<f32, MAX_STAGED>;
var<workgroup> combine_w: array<f32, MAX_COMBINE>;

// See matvec.wgsl: tanh GELU as x * sigmoid(2u), NaN-free and exact for large |x|.
fn gelu(x: f32) -> f32 {
  let xc = clamp(x, -20.0, 20.0);
  let u = 0.7978845608028654 * (xc + 0.044715 * xc * xc * xc);
  let e = exp(-2.0 * abs(u));
  let s = select(e, 1.0, u >= 0.0) / (1.0 + e);
  return x * s;
}

fn staged(k: u32) -> f32 {
  return xs[k];
}

fn staged4(k: u32) -> vec4<f32> {
  return vec4(xs[k], xs[k + 1u], xs[k + 2u], xs[k + 3u]);
}

fn set_staged(k: u32, v: f32) {
  xs[k] = v;
}

// x[k .. k + 4), k a multiple of 4.
fn x4(k: u32) -> vec4<f32> {
  if (PROLOGUE == 0u) {
    let i = params.in_row * params.K + k;
    return vec4(input[i], input[i + 1u], input[i + 2u], input[i + 3u]);
  }
  return staged4(k);
}

fn x1(k: u32) -> f32 {
  if (PROLOGUE == 0u) {
    return input[params.in_row * params.K + k];
  }
  return staged(k);
}

// Element i of the flat weight array, for the unaligned scalar loop.
fn weight_at(i: u32) -> f32 {
  if (WEIGHTS_F16) {
    let word = i >> 1u;
    let pair = unpack2x16float(weight[word >> 2u][word & 3u]);
    return select(pair.x, pair.y, (i & 1u) == 1u);
  }
  return bitcast<f32>(weight[i >> 2u][i & 3u]);
}

// Stages the row and takes its statistics in one pass over data shifted by x[0]: sums of
// d = x - x[0] and d^2 give the variance without the cancellation E[x^2] - E[x]^2 suffers
// from the residual stream's large common offset, in one workgroup reduction; then each
// invocation normalises the entries it staged, once (not in the hot loop).
fn layernorm_prologue(lid: u32) {
  let K = params.K;
  let x0 = params.in_row * K;
  let shift = input[x0];
  var sums = vec4<f32>();
  for (var k = lid; k < K; k += WG) {
    let v = input[x0 + k];
    set_staged(k, v);
    let d = v - shift;
    sums += vec4(d, d * d, 0.0, 0.0);
  }
  let total = block_sum(sums, lid);
  let mean_d = total.x / f32(K);
  let variance = max(total.y / f32(K) - mean_d * mean_d, 0.0);
  let rstd = inverseSqrt(variance + params.eps);
  let mean = shift + mean_d;
  // Each invocation rewrites only the entries it wrote above: no barrier needed before.
  for (var k = lid; k < K; k += WG) {
    set_staged(k, (staged(k) - mean) * rstd * gamma[k] + beta[k]);
  }
  workgroupBarrier();
}

fn combine_prologue(lid: u32) {
  let K = params.K;
  let NH = params.heads;
  let S = params.splits;
  let HS = K / NH;
  let stats = NH * S * HS;
  // combine_w[h * S + s] = exp(m_s - M) / sum_s' exp(m_s' - M) l_s'.
  if (lid < NH * S) {
    let h = lid / S;
    let first = stats + 2u * h * S;
    var m = input[first];
    for (var s = 1u; s < S; s++) {
      m = max(m, input[first + 2u * s]);
    }
    var l = 0.0;
    for (var s = 0u; s < S; s++) {
      l += exp(input[first + 2u * s] - m) * input[first + 2u * s + 1u];
    }
    combine_w[lid] = exp(input[stats + 2u * lid] - m) / l;
  }
  workgroupBarrier();
  for (var k = lid; k < K; k += WG) {
    let h = k / HS;
    let d = k - h * HS;
    var v = 0.0;
    for (var s = 0u; s < S; s++) {
      v += combine_w[h * S + s] * input[((h * S + s) * HS) + d];
    }
    set_staged(k, v);
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let K = params.K;
  let N = params.N;
  if (PROLOGUE == 1u) {
    layernorm_prologue(lid);
  } else if (PROLOGUE == 2u) {
    combine_prologue(lid);
  }

  let lane = lid & (GROUP - 1u);
  let base = (wid.y * groups.x + wid.x) * (WG / GROUP) * RPI + lid / GROUP;
  var acc: array<vec4<f32>, MAX_RPI>;
  var sums = vec4<f32>(); // component r: row base + 4r
  let aligned = select((K & 3u) == 0u, (K & 7u) == 0u, WEIGHTS_F16);
  if (aligned) {
    if (WEIGHTS_F16) {
      let R = K / 8u; // vec4<u32> per row
      for (var j = lane; j < R; j += GROUP) {
        let xa = x4(8u * j);
        let xb = x4(8u * j + 4u);
        for (var r = 0u; r < RPI; r++) {
          let n = base + (WG / GROUP) * r;
          if (n < N) {
            let w = weight[n * R + j];
            acc[r] += vec4(unpack2x16float(w.x), unpack2x16float(w.y)) * xa +
              vec4(unpack2x16float(w.z), unpack2x16float(w.w)) * xb;
          }
        }
      }
    } else {
      let R = K / 4u;
      for (var j = lane; j < R; j += GROUP) {
        let x = x4(4u * j);
        for (var r = 0u; r < RPI; r++) {
          let n = base + (WG / GROUP) * r;
          if (n < N) {
            acc[r] += bitcast<vec4<f32>>(weight[n * R + j]) * x;
          }
        }
      }
    }
    for (var r = 0u; r < RPI; r++) {
      sums[r] = acc[r].x + acc[r].y + acc[r].z + acc[r].w;
    }
  } else {
    for (var k = lane; k < K; k += GROUP) {
      let x = x1(k);
      for (var r = 0u; r < RPI; r++) {
        let n = base + (WG / GROUP) * r;
        if (n < N) {
          sums[r] += weight_at(n * K + k) * x;
        }
      }
    }
  }

  // One reduction for all RPI rows.
  let totals = group_sum(sums, lid);
  for (var r = 0u; r < RPI; r++) {
    let n = base + (WG / GROUP) * r;
    if (lane == 0u && n < N) {
      var v = totals[r];
      if (BIAS) {
        v += bias[n];
      }
      if (GELU) {
        v = gelu(v);
      }
      if (KV_OUT) {
        let which = n / params.split;
        let o = params.out_offset + n - which * params.split;
        if (which == 0u) {
          out[o] = v;
        } else if (which == 1u) {
          out_k[o] = v;
        } else {
          out_v[o] = v;
        }
      } else {
        let o = params.out_offset + n;
        if (ACCUMULATE) {
          v += out[o];
        }
        out[o] = v;
      }
    }
  }
}
