// Attention probabilities of one head, for the heatmap: for i, j < n,
//   out[i, j] = softmax_{j <= i}(q_store[i] . k_cache[j] / sqrt(HS)), and 0 for j > i,
// with head `head` at channels head*HS .. head*HS + HS - 1 (HS = C / NH). The scores are
// computed as attention.wgsl computes them (same products, summed in the same order).
// Bindings: 0 Params, 1 q_store, 2 k_cache: array<f32>[P*C] (rows 0..n-1 valid),
// 3 out: array<f32>[n*n] row-major.
// Dispatch: n workgroups of WG = 64 (row i = wid.y * num_workgroups.x + wid.x; extra
// workgroups return). Invocation l owns columns l, l + WG, ...: it writes their raw scores
// into out with its own running max and sum, the workgroup merges the WG (max, sum) pairs,
// then each invocation rewrites its own columns as probabilities. Not on the decode path,
// so key rows are read directly rather than staged.

struct Params {
  n: u32,
  C: u32,
  NH: u32,
  head: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q_store: array<f32>;
@group(0) @binding(2) var<storage, read> k_cache: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

const WG: u32 = 64u;
const MAX_HS: u32 = 256u;
// Stands for -infinity (WGSL has no infinity literal); exp(NEG_BIG - finite) is 0.
const NEG_BIG: f32 = -3.0e38;

var<workgroup> q_sh: array<f32, MAX_HS>;
var<workgroup> m_sh: array<f32, WG>;
var<workgroup> l_sh: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let n = params.n;
  let i = wid.y * nwg.x + wid.x;
  if (i >= n) {
    return;
  }
  let C = params.C;
  let HS = C / params.NH;
  let base = params.head * HS;
  let scale = inverseSqrt(f32(HS));
  let row = i * n;

  for (var d = lid; d < HS; d += WG) {
    q_sh[d] = q_store[i * C + base + d];
  }
  workgroupBarrier();

  var m = NEG_BIG;
  var l = 0.0;
  for (var j = lid; j <= i; j += WG) {
    var dot = 0.0;
    for (var d = 0u; d < HS; d++) {
      dot += q_sh[d] * k_cache[j * C + base + d];
    }
    let s = dot * scale;
    out[row + j] = s;
    let m_new = max(m, s);
    l = l * exp(m - m_new) + exp(s - m_new);
    m = m_new;
  }
  m_sh[lid] = m;
  l_sh[lid] = l;
  workgroupBarrier();

  var m_all = NEG_BIG;
  for (var x = 0u; x < WG; x++) {
    m_all = max(m_all, m_sh[x]);
  }
  var l_all = 0.0;
  for (var x = 0u; x < WG; x++) {
    l_all += l_sh[x] * exp(m_sh[x] - m_all);
  }
  let inv = 1.0 / l_all;

  // Each invocation reads back only the scores it wrote itself.
  for (var j = lid; j < n; j += WG) {
    var prob = 0.0;
    if (j <= i) {
      prob = exp(out[row + j] - m_all) * inv;
    }
    out[row + j] = prob;
  }
}
