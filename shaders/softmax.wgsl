// Standalone baseline, not used by the forward pass (its softmax is inside `attention`).
// Kept, tested against src/reference/softmax.ts, as the simplest kernel of its kind and a
// baseline for benchmarks.
// Row softmax, numerically stable: for each row r < rows of input [rows, n],
//   out[r, i] = exp(x[i] - max(x)) / sum_j exp(x[j] - max(x)).
// Inputs must be finite (WGSL does not promise IEEE infinities).
// Bindings: 0 Params, 1 input: array<f32>[rows, n], 2 out: array<f32>[rows, n].
// Dispatch: rows workgroups of 256, split over x and y when above 65535 (grid1d; row =
//   wid.y * grid_x + wid.x). Each workgroup owns one row; its invocations stride over it.
//
// The row is read twice, not three times: each invocation keeps a running (max, sum of
// exp(x - max)) over its elements (online softmax), and the pairs are merged in workgroup
// memory. That matters for the 50257-wide logits row.

struct Params {
  rows: u32,
  n: u32,
  grid_x: u32, // workgroups along x in the dispatch grid
}

const WG: u32 = 256u;
// The max of an invocation that has seen nothing yet: finite, so that merging it gives
// exp(very negative) = 0 rather than exp(-inf - -inf) = NaN.
const NO_MAX: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<vec2<f32>, WG>;

// (max, sum of exp(x - max)) of the union of two sets of values.
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let m = max(a.x, b.x);
  return vec2(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.y * params.grid_x + wid.x;
  // Uniform over the workgroup, so the barriers below stay in uniform control flow.
  if (row >= params.rows) {
    return;
  }
  let n = params.n;
  let base = row * n;

  var m = NO_MAX;
  var s = 0.0;
  for (var i = lid; i < n; i += WG) {
    let x = input[base + i];
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
  }

  partial[lid] = vec2(m, s);
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) {
      partial[lid] = merge(partial[lid], partial[lid + k]);
    }
    workgroupBarrier();
  }
  let row_max = partial[0].x;
  let row_sum = partial[0].y;

  for (var i = lid; i < n; i += WG) {
    out[base + i] = exp(input[base + i] - row_max) / row_sum;
  }
}
