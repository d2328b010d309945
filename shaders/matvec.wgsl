// Decode linear (T = 1): out[n] (= or +=) act(sum_k input[k] W[k, n] + bias[n]) for n < N,
// W in Conv1D layout [K, N] row-major. Memory-bound, so every weight word is read once
// (but for one word per row and workgroup edge with odd-aligned f16 rows), coalesced:
// a workgroup owns COLS = 32 adjacent columns; its LANES x SLICES = 16 x 16 invocations
// are column lanes times slices of K (slice s takes rows s, s + 16, ...), so N = 768 still
// spreads over 24 x 256 invocations; a workgroup reduction then sums the slices.
//   f32: lane p reads columns c0 + p and c0 + 16 + p (adjacent lanes, adjacent words).
//   f16: lane p reads the u32 word holding column c0 + 2p and uses both halves. A row that
//        starts at an odd flat index (odd N, odd k) is shifted by one half: that word holds
//        columns c0 + 2p - 1 and c0 + 2p, so column c0 + 2p + 1 comes from lane p + 1.
// Bindings: 0 Params, 1 input: array<f32>[K] (one row), 2 weight: array<u32> (f32 bits, or
//   packed f16 pairs when WEIGHTS_F16), 3 bias: array<f32>[N], 4 out: array<f32>[N]
//   (read and written by the same invocation when ACCUMULATE; must not alias input).
// Dispatch: ceil(N / 32) workgroups along x. Same Params and bindings as matmul.wgsl.

struct Params {
  T: u32, // 1 here; shared with matmul.wgsl
  K: u32,
  N: u32,
}

override WEIGHTS_F16: bool = false;
override GELU: bool = false;
override ACCUMULATE: bool = false;

const LANES: u32 = 16u;
const SLICES: u32 = 16u;
const COLS: u32 = 32u; // 2 * LANES: each lane covers two columns in both layouts

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// Partial sums per (slice, lane), [SLICES][LANES]: a and b of the accumulators below.
// (Workgroup memory is kept small: SwiftShader's compile time grows with it.)
var<workgroup> part_a: array<f32, 256>;
var<workgroup> part_b: array<f32, 256>;

// GPT-2's tanh GELU. 0.5 (1 + tanh(u)) == 1 / (1 + exp(-2u)), evaluated with exp of a
// non-positive argument only: nothing overflows and no driver's tanh meets a huge argument
// (some return NaN there). x is clamped inside u only: from |x| = 20 on exp(-2|u|) is 0 in
// f32, so large x gives exactly x and large negative x exactly (-)0.
fn gelu(x: f32) -> f32 {
  let xc = clamp(x, -20.0, 20.0);
  let u = 0.7978845608028654 * (xc + 0.044715 * xc * xc * xc);
  let e = exp(-2.0 * abs(u));
  let s = select(e, 1.0, u >= 0.0) / (1.0 + e);
  return x * s;
}

fn finish(n: u32, sum: f32) {
  var v = sum + bias[n];
  if (GELU) {
    v = gelu(v);
  }
  if (ACCUMULATE) {
    v += out[n];
  }
  out[n] = v;
}

@compute @workgroup_size(LANES, SLICES)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let K = params.K;
  let N = params.N;
  let lane = lid.x;
  let slice = lid.y;
  let c0 = wid.x * COLS;
  // f32: a = column c0 + p, b = column c0 + 16 + p.
  // f16: a = column c0 + 2p, b = c0 + 2p + 1, c = c0 + 2p - 1 (from odd-aligned rows only).
  var a = 0.0;
  var b = 0.0;
  var c = 0.0;
  if (WEIGHTS_F16) {
    let col = c0 + 2u * lane;
    for (var k = slice; k < K; k += SLICES) {
      let x = input[k];
      let f = k * N + col; // flat index of W[k, col]; its parity is the row's
      if ((f & 1u) == 0u) {
        if (col < N) {
          let w = unpack2x16float(weight[f >> 1u]);
          a += x * w.x;
          b += x * w.y; // column N (past the end) lands in b and is never written
        }
      } else {
        if (col <= N) {
          let w = unpack2x16float(weight[f >> 1u]);
          c += x * w.x;
          a += x * w.y;
        }
        // The next word is lane p + 1's; the last lane's neighbour is in the next workgroup.
        if (lane == LANES - 1u && col + 1u < N) {
          b += x * unpack2x16float(weight[(f >> 1u) + 1u]).x;
        }
      }
    }
  } else {
    let col = c0 + lane;
    for (var k = slice; k < K; k += SLICES) {
      let x = input[k];
      let f = k * N + col;
      if (col < N) {
        a += x * bitcast<f32>(weight[f]);
      }
      if (col + LANES < N) {
        b += x * bitcast<f32>(weight[f + LANES]);
      }
    }
  }

  let i = slice * LANES + lane;
  if (WEIGHTS_F16) {
    // Lane p + 1's c is column c0 + 2p + 1: hand it to lane p before summing the slices.
    part_a[i] = c;
    workgroupBarrier();
    if (lane + 1u < LANES) {
      b += part_a[i + 1u];
    }
    workgroupBarrier();
  }
  part_a[i] = a;
  part_b[i] = b;
  workgroupBarrier();
  for (var s = SLICES / 2u; s > 0u; s >>= 1u) {
    if (slice < s) {
      let j = i + s * LANES;
      part_a[i] += part_a[j];
      part_b[i] += part_b[j];
    }
    workgroupBarrier();
  }

  // Slice 0 now holds the totals; invocation i < COLS finishes column c0 + i.
  let n = c0 + i;
  if (i < COLS && n < N) {
    var sum: f32;
    if (WEIGHTS_F16) {
      sum = select(part_b[i >> 1u], part_a[i >> 1u], (i & 1u) == 0u);
    } else if (i < LANES) {
      sum = part_a[i];
    } else {
      sum = part_b[i - LANES];
    }
    finish(n, sum);
  }
}
