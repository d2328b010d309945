// Prefill linear: out[t, n] (= or +=) act(sum_k input[t, k] W[k, n] + bias[n]) for t < T,
// n < N; W in Conv1D layout [K, N] row-major, or row per output [N, K] when ROW_PER_OUTPUT
// (the layout a model with the v2 decode kernels holds, see matvec_v2.wgsl). Tiled: a workgroup computes a 64 x 64 tile of
// out, staging a 64 x 8 block of input and an 8 x 64 block of W in workgroup memory per
// step of K (4 KiB: SwiftShader's compile time grows with workgroup memory, about a second
// per 8 KiB). Each of its 16 x 16 invocations keeps a 4 x 4 block of outputs in registers,
// strided by 16 (rows ty + 16i, columns tx + 16j), so adjacent invocations load and store
// adjacent columns and read the staged tiles without bank conflicts. f16 weights: adjacent
// invocations take the two halves of one word. Out-of-range rows, columns and k are staged
// as zeros and never stored, so any T, K, N works.
// Bindings: 0 Params, 1 input: array<f32>[T, K], 2 weight: array<u32> (f32 bits, or packed
//   f16 pairs when WEIGHTS_F16), 3 bias: array<f32>[N], 4 out: array<f32>[T, N] (read and
//   written by the same invocation when ACCUMULATE; must not alias input).
// Dispatch: (ceil(N / 64), ceil(T / 64)) workgroups. Same Params and bindings as matvec.wgsl.

struct Params {
  T: u32,
  K: u32,
  N: u32,
}

override WEIGHTS_F16: bool = false;
override GELU: bool = false;
override ACCUMULATE: bool = false;
override ROW_PER_OUTPUT: bool = false;

const TILE: u32 = 64u; // output rows and columns per workgroup
const BK: u32 = 8u; // k per staged step
const SIDE: u32 = 16u; // TILE / 4: invocations per side of the workgroup
const THREADS: u32 = 256u; // SIDE * SIDE

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> tile_in: array<f32, TILE * BK>; // [TILE rows][BK]
var<workgroup> tile_w: array<f32, BK * TILE>; // [BK][TILE columns]

// See matvec.wgsl: tanh GELU as x * sigmoid(2u), NaN-free and exact for large |x|.
fn gelu(x: f32) -> f32 {
  let xc = clamp(x, -20.0, 20.0);
  let u = 0.7978845608028654 * (xc + 0.044715 * xc * xc * xc);
  let e = exp(-2.0 * abs(u));
  let s = select(e, 1.0, u >= 0.0) / (1.0 + e);
  return x * s;
}

fn load_weight(i: u32) -> f32 {
  if (WEIGHTS_F16) {
    let w = unpack2x16float(weight[i >> 1u]);
    return select(w.x, w.y, (i & 1u) == 1u);
  }
  return bitcast<f32>(weight[i]);
}

@compute @workgroup_size(SIDE, SIDE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let T = params.T;
  let K = params.K;
  let N = params.N;
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * SIDE + tx;
  let n0 = wid.x * TILE;
  let t0 = wid.y * TILE;
  // Separate registers rather than an array: dynamic indexing would put them in memory.
  var acc0 = vec4<f32>(); // row t0 + ty, columns n0 + tx + 16j for j = 0..3
  var acc1 = vec4<f32>(); // row t0 + ty + 16
  var acc2 = vec4<f32>(); // row t0 + ty + 32
  var acc3 = vec4<f32>(); // row t0 + ty + 48
  for (var k0 = 0u; k0 < K; k0 += BK) {
    for (var r = 0u; r < TILE * BK / THREADS; r++) {
      let e = tid + r * THREADS;
      // 8 adjacent invocations read 8 adjacent k of one input row.
      let t = t0 + e / BK;
      let ki = k0 + e % BK;
      var v = 0.0;
      if (t < T && ki < K) {
        v = input[t * K + ki];
      }
      tile_in[e] = v;
      if (ROW_PER_OUTPUT) {
        // 8 adjacent invocations read 8 adjacent k of one W row (one output's inputs).
        let n = n0 + e / BK;
        let kk = e % BK;
        var w = 0.0;
        if (k0 + kk < K && n < N) {
          w = load_weight(n * K + k0 + kk);
        }
        tile_w[kk * TILE + e / BK] = w;
      } else {
        // 64 adjacent invocations read 64 adjacent columns of one W row.
        let kw = k0 + e / TILE;
        let n = n0 + e % TILE;
        var w = 0.0;
        if (kw < K && n < N) {
          w = load_weight(kw * N + n);
        }
        tile_w[e] = w;
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let wrow = kk * TILE + tx;
      let w = vec4<f32>(
        tile_w[wrow],
        tile_w[wrow + SIDE],
        tile_w[wrow + 2u * SIDE],
        tile_w[wrow + 3u * SIDE],
      );
      acc0 += tile_in[ty * BK + kk] * w;
      acc1 += tile_in[(ty + SIDE) * BK + kk] * w;
      acc2 += tile_in[(ty + 2u * SIDE) * BK + kk] * w;
      acc3 += tile_in[(ty + 3u * SIDE) * BK + kk] * w;
    }
    workgroupBarrier();
  }

  store_row(t0 + ty, n0 + tx, acc0);
  store_row(t0 + ty + SIDE, n0 + tx, acc1);
  store_row(t0 + ty + 2u * SIDE, n0 + tx, acc2);
  store_row(t0 + ty + 3u * SIDE, n0 + tx, acc3);
}

fn store_row(t: u32, nb: u32, acc: vec4<f32>) {
  let N = params.N;
  if (t >= params.T) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let n = nb + SIDE * j;
    if (n < N) {
      var v = acc[j] + bias[n];
      if (GELU) {
        v = gelu(v);
      }
      let o = t * N + n;
      if (ACCUMULATE) {
        v += out[o];
      }
      out[o] = v;
    }
  }
}
