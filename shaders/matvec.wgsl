// Decode linear (T = 1): out[n] (= or +=) act(sum_k input[k] W[k, n] + bias[n]) for n < N,
// W in Conv1D layout [K, N] row-major. Memory-bound, so every weight word is read once
// (but one word per row and workgroup edge when f16 rows are odd-aligned), coalesced:
// a workgroup owns COLS = 16 adjacent columns; its LANES x SLICES = 8 x 8 invocations are
// column lanes times slices of K (slice s takes rows s, s + 8, ...), so N = 768 still spreads
// over 48 workgroups; one barrier, then 16 invocations sum the slices of one column each.
//   f32: lane p reads columns c0 + p and c0 + 8 + p (adjacent lanes, adjacent words).
//   f16: lane p reads the u32 word holding column c0 + 2p and uses both halves. A row that
//        starts at an odd flat index (odd N, odd k) is shifted by one half: that word holds
//        columns c0 + 2p - 1 and c0 + 2p, and column c0 + 2p + 1 comes from lane p + 1.
//        SLICES is even, so all rows of one invocation share their alignment.
// Bindings: 0 Params, 1 input: array<f32>[K] (one row), 2 weight: array<u32> (f32 bits, or
//   packed f16 pairs when WEIGHTS_F16), 3 bias: array<f32>[N], 4 out: array<f32>[N]
//   (read and written by the same invocation when ACCUMULATE; must not alias input).
// Dispatch: ceil(N / 16) workgroups along x. Same Params and bindings as matmul.wgsl.

struct Params {
  T: u32, // 1 here; shared with matmul.wgsl
  K: u32,
  N: u32,
}

override WEIGHTS_F16: bool = false;
override GELU: bool = false;
override ACCUMULATE: bool = false;

const LANES: u32 = 8u;
const SLICES: u32 = 8u; // even: see the f16 note above
const COLS: u32 = 16u; // 2 * LANES: each lane covers two columns in both layouts

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// Partial sums per (slice, lane), [SLICES][LANES]: the accumulators a, b, c below.
var<workgroup> part_a: array<f32, 64>;
var<workgroup> part_b: array<f32, 64>;
var<workgroup> part_c: array<f32, 64>;

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

@compute @workgroup_size(LANES, SLICES)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let K = params.K;
  let N = params.N;
  let lane = lid.x;
  let slice = lid.y;
  let c0 = wid.x * COLS;
  // f32: a = column c0 + p, b = column c0 + 8 + p.
  // f16: a = column c0 + 2p, b = c0 + 2p + 1, c = c0 + 2p - 1 (from odd-aligned rows only).
  var a = 0.0;
  var b = 0.0;
  var c = 0.0;
  if (WEIGHTS_F16) {
    let col = c0 + 2u * lane;
    if (((slice * N) & 1u) == 0u) {
      // Word f / 2 of even f = k N + col holds columns col and col + 1 (col + 1 may be N:
      // past the end, its sum lands in b and is never written).
      if (col < N) {
        for (var k = slice; k < K; k += SLICES) {
          let x = input[k];
          let w = unpack2x16float(weight[(k * N + col) >> 1u]);
          a += x * w.x;
          b += x * w.y;
        }
      }
    } else {
      // Odd-aligned rows: word f / 2 holds columns col - 1 and col; the next word is lane
      // p + 1's, but the last lane's neighbour is in the next workgroup, so it reads it too.
      let next = lane == LANES - 1u && col + 1u < N;
      if (col <= N) {
        for (var k = slice; k < K; k += SLICES) {
          let x = input[k];
          let q = (k * N + col) >> 1u;
          let w = unpack2x16float(weight[q]);
          c += x * w.x;
          a += x * w.y;
          if (next) {
            b += x * unpack2x16float(weight[q + 1u]).x;
          }
        }
      }
    }
  } else {
    let col = c0 + lane;
    let has_b = col + LANES < N;
    if (col < N) {
      for (var k = slice; k < K; k += SLICES) {
        let x = input[k];
        let f = k * N + col;
        a += x * bitcast<f32>(weight[f]);
        if (has_b) {
          b += x * bitcast<f32>(weight[f + LANES]);
        }
      }
    }
  }

  let i = slice * LANES + lane;
  part_a[i] = a;
  part_b[i] = b;
  part_c[i] = c;
  workgroupBarrier();

  // Invocation i < COLS sums column c0 + i over the slices.
  let n = c0 + i;
  if (i >= COLS || n >= N) {
    return;
  }
  var sum = 0.0;
  for (var s = 0u; s < SLICES; s++) {
    let row = s * LANES;
    if (WEIGHTS_F16) {
      let p = i >> 1u;
      if ((i & 1u) == 0u) {
        sum += part_a[row + p];
      } else {
        sum += part_b[row + p];
        if (p + 1u < LANES) {
          sum += part_c[row + p + 1u];
        }
      }
    } else if (i < LANES) {
      sum += part_a[row + i];
    } else {
      sum += part_b[row + i - LANES];
    }
  }
  var v = sum + bias[n];
  if (GELU) {
    v = gelu(v);
  }
  if (ACCUMULATE) {
    v += out[n];
  }
  out[n] = v;
}
