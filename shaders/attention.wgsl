// Causal multi-head attention over the KV cache. For query row t (absolute position
// p = pos0 + t) and head h (channels h*HS .. h*HS + HS - 1, HS = C / NH):
//   s_j = q_store[p] . k_cache[j] / sqrt(HS) for j = 0..p,
//   out[t, head h] = sum_j softmax(s)_j * v_cache[j].
// Keys go by in chunks of WG with an online softmax (running max, running sum, and the
// output accumulator rescaled by exp(m_old - m_new) when the max grows), so nothing is
// sized by the context length: one pipeline serves decode (T = 1) and prefill, up to P.
// Bindings: 0 Params, 1 q_store, 2 k_cache, 3 v_cache: array<f32>[P*C] (rows 0..pos0+T-1
// valid; later rows are never read), 4 out: array<f32>[T*C].
// Dispatch: (NH, T) workgroups of WG = 64, one per (head, query row). HS <= MAX_HS.
// Per chunk: K rows are staged through workgroup memory D_TILE dims at a time (coalesced
// loads, each key's dot product then read from its own tile row); invocation l scores key
// c0 + l; then invocation l accumulates output dims l, l + WG, ... reading value rows
// coalesced. Scores and summation order match attention_probs.wgsl.

struct Params {
  T: u32,
  pos0: u32,
  C: u32,
  NH: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q_store: array<f32>;
@group(0) @binding(2) var<storage, read> k_cache: array<f32>;
@group(0) @binding(3) var<storage, read> v_cache: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const WG: u32 = 64u;
const DIMS_PER_INVOCATION: u32 = 4u;
const MAX_HS: u32 = WG * DIMS_PER_INVOCATION;
const D_TILE: u32 = 32u;
// One float of padding per tile row: invocation l reads row l, so rows start in different banks.
const TILE_STRIDE: u32 = D_TILE + 1u;
// Stands for -infinity (WGSL has no infinity literal); exp(NEG_BIG - finite) is 0.
const NEG_BIG: f32 = -3.0e38;

var<workgroup> q_sh: array<f32, MAX_HS>;
var<workgroup> k_tile: array<f32, WG * TILE_STRIDE>;
var<workgroup> s_sh: array<f32, WG>;
var<workgroup> w_sh: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let C = params.C;
  let HS = C / params.NH;
  let head = wid.x * HS;
  let t = wid.y;
  let p = params.pos0 + t;
  let n_keys = p + 1u;
  let scale = inverseSqrt(f32(HS));

  for (var d = lid; d < HS; d += WG) {
    q_sh[d] = q_store[p * C + head + d];
  }

  var acc: array<f32, DIMS_PER_INVOCATION>;
  var m_run = NEG_BIG;
  var l_run = 0.0;
  for (var c0 = 0u; c0 < n_keys; c0 += WG) {
    let count = min(WG, n_keys - c0);

    var dot = 0.0;
    for (var d0 = 0u; d0 < HS; d0 += D_TILE) {
      let dw = min(D_TILE, HS - d0);
      // The previous tile (or chunk) has been read by everyone; q_sh is complete.
      workgroupBarrier();
      for (var i = lid; i < WG * D_TILE; i += WG) {
        let r = i / D_TILE;
        let dd = i % D_TILE;
        var kval = 0.0;
        if (r < count && dd < dw) {
          kval = k_cache[(c0 + r) * C + head + d0 + dd];
        }
        k_tile[r * TILE_STRIDE + dd] = kval;
      }
      workgroupBarrier();
      for (var dd = 0u; dd < dw; dd++) {
        dot += q_sh[d0 + dd] * k_tile[lid * TILE_STRIDE + dd];
      }
    }
    let s = select(NEG_BIG, dot * scale, lid < count);
    s_sh[lid] = s;
    workgroupBarrier();

    var m_chunk = NEG_BIG;
    for (var i = 0u; i < count; i++) {
      m_chunk = max(m_chunk, s_sh[i]);
    }
    let m_new = max(m_run, m_chunk);
    let rescale = exp(m_run - m_new);
    w_sh[lid] = exp(s - m_new);
    workgroupBarrier();

    var l_chunk = 0.0;
    for (var i = 0u; i < count; i++) {
      l_chunk += w_sh[i];
    }
    l_run = l_run * rescale + l_chunk;
    for (var k = 0u; k < DIMS_PER_INVOCATION; k++) {
      let d = lid + k * WG;
      if (d < HS) {
        var a = acc[k] * rescale;
        for (var i = 0u; i < count; i++) {
          a += w_sh[i] * v_cache[(c0 + i) * C + head + d];
        }
        acc[k] = a;
      }
    }
    m_run = m_new;
  }

  // l_run >= 1: the key holding the running max contributes exp(0).
  let inv = 1.0 / l_run;
  for (var k = 0u; k < DIMS_PER_INVOCATION; k++) {
    let d = lid + k * WG;
    if (d < HS) {
      out[t * C + head + d] = acc[k] * inv;
    }
  }
}
