// LayerNorm of many rows (prefill), v2. Same result as layernorm.wgsl (v1): for r < rows,
// with x = input[first_row + r, :] and y = out[r, :],
//   y[c] = (x[c] - mean) / sqrt(var + eps) * gamma[c] + beta[c]   (biased variance, c < C),
// by the same corrected two-pass algorithm (mean, then sums of d = x - mean and d^2).
// v1 gives each row a workgroup of 256 and reduces through an 8-level tree; here a
// workgroup of 64 normalises 4 rows, 16 invocations per row striding over the row in vec4s
// (16-byte loads, neighbours on neighbouring 16 bytes), and each invocation adds its row's
// 16 partial sums from workgroup memory itself: 2 barriers per reduction instead of 9.
// C % 4 == 0 (the binding runs v1 otherwise).
// Bindings: 0 Params, 1 input: array<f32>[*, C], 2 gamma: array<f32>[C],
//   3 beta: array<f32>[C], 4 out: array<f32>[rows, C].
// Dispatch: ceil(rows / 4) workgroups of 64.

struct Params {
  rows: u32,
  C: u32,
  first_row: u32,
  eps: f32,
}

const WG: u32 = 64u;
const PER_ROW: u32 = 16u;
const ROWS: u32 = WG / PER_ROW;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gamma: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> beta: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

var<workgroup> partial: array<vec2<f32>, WG>;

// Sum of v over the 16 invocations of this row, returned to each of them.
fn row_sum(lid: u32, v: vec2<f32>) -> vec2<f32> {
  partial[lid] = v;
  workgroupBarrier();
  let first = lid - lid % PER_ROW;
  var total = vec2(0.0, 0.0);
  for (var j = 0u; j < PER_ROW; j++) {
    total += partial[first + j];
  }
  // Nobody may overwrite partial for the next reduction before everyone has read it.
  workgroupBarrier();
  return total;
}

fn hsum(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let CV = params.C / 4u;
  let r = wid.x * ROWS + lid / PER_ROW;
  let lane = lid % PER_ROW;
  // Rows past the end take part in the barriers with an empty stride.
  let n = select(0u, CV, r < params.rows);
  let x0 = (params.first_row + r) * CV;
  let y0 = r * CV;
  let fc = f32(params.C);

  var sum = 0.0;
  for (var c = lane; c < n; c += PER_ROW) {
    sum += hsum(input[x0 + c]);
  }
  let mean0 = row_sum(lid, vec2(sum, 0.0)).x / fc;

  var sums = vec2(0.0, 0.0); // (sum d, sum d^2), d = x - mean0
  for (var c = lane; c < n; c += PER_ROW) {
    let d = input[x0 + c] - mean0;
    sums += vec2(hsum(d), dot(d, d));
  }
  let total = row_sum(lid, sums);
  let shift = total.x / fc; // mean - mean0
  let variance = max(total.y / fc - shift * shift, 0.0);
  let rstd = inverseSqrt(variance + params.eps);

  for (var c = lane; c < n; c += PER_ROW) {
    let d = input[x0 + c] - mean0 - shift;
    out[y0 + c] = d * rstd * gamma[c] + beta[c];
  }
}
