// Prefill linear, v2: out[t, n] (= or +=) act(sum_k input[t, k] W[k, n] + bias[n]) for t < T,
// n < N; W in Conv1D layout [K, N] row-major, or row per output [N, K] when ROW_PER_OUTPUT
// (what a model with the v2 decode kernels holds; its W tile is then fetched as the input
// tile is: 16 bytes of k for one output). Same result as matmul.wgsl (v1), shaped for a
// big GPU:
// - Register blocking: each of the 8 x 8 invocations keeps an 8 x 8 block of outputs, so one
//   k step is 4 vec4 workgroup-memory loads (8 rows of input, 8 columns of W) for 64 FMAs:
//   16 FMAs per load, 4 per float loaded (v1: 16 FMAs per 8 scalar loads).
// - 16-byte loads everywhere: input as vec4<f32>, W as vec4<u32> (4 f32 or 8 packed f16),
//   out, bias and partial sums as vec4<f32>.
// - Double-buffered K tiles: the next tile's global loads are issued into registers before
//   the current tile is multiplied, then stored into the other half of workgroup memory, so
//   each K tile costs one barrier. Workgroup memory: 2 x (64 x 8 + 8 x 64) floats = 8 KiB
//   (the WebGPU default and SwiftShader allow 16 KiB).
// - Split K (dispatch z) when the 64 x 64 tiles alone would leave a GPU idle (GPT-2 small at
//   T = 128: 24-96 tiles, 264-288 workgroups with the splits; see planMatmulV2): each split
//   writes a raw partial sum and split_k_sum.wgsl adds them in order with the epilogue.
// Within a tile rows are 4 ty .. 4 ty + 3 and 32 + 4 ty .. (columns likewise with tx): one
// vec4 of the staged tiles holds 4 of them, and the two halves keep neighbouring invocations
// on neighbouring 16 bytes.
// Requires K % 4 == 0 and N % 4 == 0 (N % 8 == 0 with f16 weights; K % 8 == 0 with f16 and
// ROW_PER_OUTPUT) so rows start on 16-byte boundaries (the binding runs v1 otherwise). Rows t >= T and k >= K are staged as zeros and
// never stored, so any T and any such K, N work.
// Bindings: 0 Params, 1 input: [T, K] f32, 2 weight: [K, N] ([N, K] when ROW_PER_OUTPUT) f32 bits or packed f16 pairs,
//   3 bias: [N] f32, 4 out: [T, N] f32 (read and written by the same invocation when
//   accumulate), 5 partials: [splits, T, N] f32, written only when splits > 1.
// Dispatch: (ceil(N / 64), ceil(T / 64), splits) workgroups of 8 x 8; split z covers K tiles
// z * k_tiles_per_split .. (z + 1) * k_tiles_per_split - 1.

// The epilogue's choices are uniforms rather than overrides (as v1's are): one pipeline per
// weight format, and each costs a CPU emulator about a second to compile.
struct Params {
  T: u32,
  K: u32,
  N: u32,
  splits: u32,
  k_tiles_per_split: u32,
  gelu: u32, // 1: apply GELU to the result
  accumulate: u32, // 1: out += result
}

override WEIGHTS_F16: bool = false;
override ROW_PER_OUTPUT: bool = false;

const TILE: u32 = 64u; // output rows and columns per workgroup
const BK: u32 = 8u; // k per staged tile
const SIDE: u32 = 8u; // invocations per side
const HALF: u32 = TILE / 8u; // vec4 offset of an invocation's second group of 4 rows/columns
const ROW_VECS: u32 = TILE / 4u; // vec4s in one staged row of 64
const STAGE: u32 = BK * ROW_VECS; // vec4s in one staged tile (of input or of W)

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> weight: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> partials: array<vec4<f32>>;

// [2 buffers][BK][TILE] each. The input tile is stored transposed (k-major) so that one
// vec4 holds 4 rows at one k.
var<workgroup> tile_in: array<vec4<f32>, 2u * STAGE>;
var<workgroup> tile_w: array<vec4<f32>, 2u * STAGE>;

// See matvec.wgsl: tanh GELU as x * sigmoid(2u), NaN-free and exact for large |x|.
fn gelu(x: f32) -> f32 {
  let xc = clamp(x, -20.0, 20.0);
  let u = 0.7978845608028654 * (xc + 0.044715 * xc * xc * xc);
  let e = exp(-2.0 * abs(u));
  let s = select(e, 1.0, u >= 0.0) / (1.0 + e);
  return x * s;
}

// The global loads of one K tile, held in registers between issue and staging.
struct Fetch {
  in0: vec4<f32>,
  in1: vec4<f32>,
  w0: vec4<u32>,
  w1: vec4<u32>,
}

// Input tile: 64 rows x 2 vec4 of k (2 per invocation). W tile: 8 k rows x 16 vec4 of f32
// (2 per invocation), or x 8 vec4<u32> of 8 halves (1 per invocation). Adjacent invocations
// read adjacent 16 bytes of one row.
fn fetch(tid: u32, t0: u32, n0: u32, k0: u32) -> Fetch {
  let T = params.T;
  let K = params.K;
  let N = params.N;
  var f: Fetch;
  for (var r = 0u; r < 2u; r++) {
    let e = tid + r * 64u;
    let t = t0 + e / 2u;
    let k = k0 + (e % 2u) * 4u;
    var v = vec4<f32>();
    if (t < T && k < K) {
      v = input[(t * K + k) / 4u];
    }
    if (r == 0u) {
      f.in0 = v;
    } else {
      f.in1 = v;
    }
  }
  if (ROW_PER_OUTPUT) {
    if (WEIGHTS_F16) {
      // Output n0 + tid, k0 .. k0 + 7: one vec4<u32> of 8 halves.
      let n = n0 + tid;
      if (k0 < K && n < N) {
        f.w0 = weight[(n * K + k0) / 8u];
      }
    } else {
      // As the input tile: element e is output n0 + e / 2, k (e % 2) * 4 .. + 3.
      for (var r = 0u; r < 2u; r++) {
        let e = tid + r * 64u;
        let n = n0 + e / 2u;
        let k = k0 + (e % 2u) * 4u;
        var w = vec4<u32>();
        if (n < N && k < K) {
          w = weight[(n * K + k) / 4u];
        }
        if (r == 0u) {
          f.w0 = w;
        } else {
          f.w1 = w;
        }
      }
    }
  } else if (WEIGHTS_F16) {
    let k = k0 + tid / 8u;
    let n = n0 + (tid % 8u) * 8u;
    if (k < K && n < N) {
      f.w0 = weight[(k * N + n) / 8u];
    }
  } else {
    for (var r = 0u; r < 2u; r++) {
      let e = tid + r * 64u;
      let k = k0 + e / ROW_VECS;
      let n = n0 + (e % ROW_VECS) * 4u;
      var w = vec4<u32>();
      if (k < K && n < N) {
        w = weight[(k * N + n) / 4u];
      }
      if (r == 0u) {
        f.w0 = w;
      } else {
        f.w1 = w;
      }
    }
  }
  return f;
}

// Element e of the input tile is row e / 2, k (e % 2) * 4 .. + 3: written down the k-major tile.
fn stage_in(buf: u32, e: u32, v: vec4<f32>) {
  let row = e / 2u;
  let kb = (e % 2u) * 4u;
  for (var c = 0u; c < 4u; c++) {
    tile_in[buf * STAGE + (kb + c) * ROW_VECS + row / 4u][row % 4u] = v[c];
  }
}

// Column c of the W tile, k kb .. kb + 3 (ROW_PER_OUTPUT): written down the k-major tile.
fn stage_w_column(buf: u32, c: u32, kb: u32, v: vec4<f32>) {
  for (var i = 0u; i < 4u; i++) {
    tile_w[buf * STAGE + (kb + i) * ROW_VECS + c / 4u][c % 4u] = v[i];
  }
}

fn stage(buf: u32, tid: u32, f: Fetch) {
  stage_in(buf, tid, f.in0);
  stage_in(buf, tid + 64u, f.in1);
  if (ROW_PER_OUTPUT) {
    if (WEIGHTS_F16) {
      stage_w_column(buf, tid, 0u, vec4<f32>(unpack2x16float(f.w0.x), unpack2x16float(f.w0.y)));
      stage_w_column(buf, tid, 4u, vec4<f32>(unpack2x16float(f.w0.z), unpack2x16float(f.w0.w)));
    } else {
      stage_w_column(buf, tid / 2u, (tid % 2u) * 4u, bitcast<vec4<f32>>(f.w0));
      stage_w_column(buf, (tid + 64u) / 2u, ((tid + 64u) % 2u) * 4u, bitcast<vec4<f32>>(f.w1));
    }
  } else if (WEIGHTS_F16) {
    let at = buf * STAGE + tid * 2u;
    tile_w[at] = vec4<f32>(unpack2x16float(f.w0.x), unpack2x16float(f.w0.y));
    tile_w[at + 1u] = vec4<f32>(unpack2x16float(f.w0.z), unpack2x16float(f.w0.w));
  } else {
    tile_w[buf * STAGE + tid] = bitcast<vec4<f32>>(f.w0);
    tile_w[buf * STAGE + tid + 64u] = bitcast<vec4<f32>>(f.w1);
  }
}

@compute @workgroup_size(SIDE, SIDE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let K = params.K;
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * SIDE + tx;
  let n0 = wid.x * TILE;
  let t0 = wid.y * TILE;
  let k_tiles = (K + BK - 1u) / BK;
  let kt_begin = min(wid.z * params.k_tiles_per_split, k_tiles);
  let kt_end = min(kt_begin + params.k_tiles_per_split, k_tiles);

  // acc_i_j: row t0 + 4 ty + i (i < 4) or t0 + 32 + 4 ty + (i - 4), columns n0 + 4 tx .. + 3
  // (j = 0) or n0 + 32 + 4 tx .. + 3 (j = 1). Separate registers, not an array: dynamic
  // indexing would put them in memory.
  var a00 = vec4<f32>(); var a01 = vec4<f32>();
  var a10 = vec4<f32>(); var a11 = vec4<f32>();
  var a20 = vec4<f32>(); var a21 = vec4<f32>();
  var a30 = vec4<f32>(); var a31 = vec4<f32>();
  var a40 = vec4<f32>(); var a41 = vec4<f32>();
  var a50 = vec4<f32>(); var a51 = vec4<f32>();
  var a60 = vec4<f32>(); var a61 = vec4<f32>();
  var a70 = vec4<f32>(); var a71 = vec4<f32>();
  if (kt_begin < kt_end) {
    stage(0u, tid, fetch(tid, t0, n0, kt_begin * BK));
  }
  workgroupBarrier();
  for (var kt = kt_begin; kt < kt_end; kt++) {
    let buf = (kt - kt_begin) % 2u;
    let more = kt + 1u < kt_end;
    var next: Fetch;
    if (more) {
      next = fetch(tid, t0, n0, (kt + 1u) * BK);
    }
    let base = buf * STAGE;
    for (var kk = 0u; kk < BK; kk++) {
      let row = base + kk * ROW_VECS;
      let x0 = tile_in[row + ty];
      let x1 = tile_in[row + HALF + ty];
      let w0 = tile_w[row + tx];
      let w1 = tile_w[row + HALF + tx];
      a00 += x0.x * w0; a01 += x0.x * w1;
      a10 += x0.y * w0; a11 += x0.y * w1;
      a20 += x0.z * w0; a21 += x0.z * w1;
      a30 += x0.w * w0; a31 += x0.w * w1;
      a40 += x1.x * w0; a41 += x1.x * w1;
      a50 += x1.y * w0; a51 += x1.y * w1;
      a60 += x1.z * w0; a61 += x1.z * w1;
      a70 += x1.w * w0; a71 += x1.w * w1;
    }
    // The other buffer was last read in the previous iteration, before its barrier.
    if (more) {
      stage(1u - buf, tid, next);
    }
    workgroupBarrier();
  }

  let t = t0 + 4u * ty;
  let tb = t + TILE / 2u;
  let n = n0 + 4u * tx;
  let nb = n + TILE / 2u;
  store(t, n, a00, wid.z); store(t, nb, a01, wid.z);
  store(t + 1u, n, a10, wid.z); store(t + 1u, nb, a11, wid.z);
  store(t + 2u, n, a20, wid.z); store(t + 2u, nb, a21, wid.z);
  store(t + 3u, n, a30, wid.z); store(t + 3u, nb, a31, wid.z);
  store(tb, n, a40, wid.z); store(tb, nb, a41, wid.z);
  store(tb + 1u, n, a50, wid.z); store(tb + 1u, nb, a51, wid.z);
  store(tb + 2u, n, a60, wid.z); store(tb + 2u, nb, a61, wid.z);
  store(tb + 3u, n, a70, wid.z); store(tb + 3u, nb, a71, wid.z);
}

fn store(t: u32, n: u32, acc: vec4<f32>, split: u32) {
  let T = params.T;
  let N = params.N;
  if (t >= T || n >= N) {
    return;
  }
  if (params.splits > 1u) {
    partials[((split * T + t) * N + n) / 4u] = acc;
    return;
  }
  var v = acc + bias[n / 4u];
  if (params.gelu != 0u) {
    for (var c = 0u; c < 4u; c++) {
      v[c] = gelu(v[c]);
    }
  }
  let o = (t * N + n) / 4u;
  if (params.accumulate != 0u) {
    v += out[o];
  }
  out[o] = v;
}
