// Causal multi-head attention for prefill, v2 (FlashAttention-style). Same result as
// attention.wgsl (v1): for query row t (absolute position p = pos0 + t) and head h
// (channels h*HS .. h*HS + HS - 1):
//   out[t, head h] = sum_{j <= p} softmax_j(q_store[p] . k_cache[j] / sqrt(HS)) v_cache[j].
// A workgroup takes a block of BQ = 16 query rows of one head (v1: one row per workgroup),
// stages their queries once, and walks the keys 0 .. (its last position) in tiles of
// BKV = 16 held in workgroup memory, each tile shared by all 16 rows. Online softmax
// (running max and sum per row, the output rescaled when the max grows): no score matrix
// beyond one 16 x 16 tile exists anywhere, and nothing is sized by the context length.
// Invocation l serves row l / 4: it scores keys 4 (l % 4) .. + 3 of each tile, then
// accumulates output vec4s l % 4, l % 4 + 4, ... of its row over the whole tile.
// K and V tiles take turns in one buffer. Workgroup memory: 2 x 16 x HS + 256 floats
// (9 KiB at HS = 64, 13 KiB at the largest HS, 96).
// All loads are 16 bytes (vec4); HS % 4 == 0 and HS <= MAX_HS (the binding runs v1 otherwise).
// Bindings: 0 Params, 1 q_store, 2 k_cache, 3 v_cache: array<f32>[P*C] (rows 0..pos0+T-1
// valid; later rows are never read), 4 out: array<f32>[T*C].
// Dispatch: (NH, ceil(T / 16)) workgroups of 64. HS is the override constant of that name.

struct Params {
  T: u32,
  pos0: u32,
  C: u32,
  NH: u32,
}

override HS: u32 = 64u;
// vec4s in 16 rows of one head: the size of the Q block and of a K or V tile.
override TILE_VECS: u32 = 4u * HS;

const BQ: u32 = 16u;
const BKV: u32 = 16u;
const WG: u32 = 64u;
const MAX_HS: u32 = 96u;
// Output vec4s per invocation: a row's HS / 4 vec4s shared by its 4 invocations.
const ACC_VECS: u32 = MAX_HS / 16u;
// Stands for -infinity (WGSL has no infinity literal); exp(NEG_BIG - finite) is 0.
const NEG_BIG: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q_store: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v_cache: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

var<workgroup> q_sh: array<vec4<f32>, TILE_VECS>; // [BQ rows][HS / 4]
var<workgroup> kv_sh: array<vec4<f32>, TILE_VECS>; // [BKV keys][HS / 4], K then V
var<workgroup> s_sh: array<f32, 256>; // [BQ][BKV] scores of the current tile

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let T = params.T;
  let pos0 = params.pos0;
  let CV = params.C / 4u;
  let HV = HS / 4u;
  let head = wid.x * HV;
  let t0 = wid.y * BQ;
  let rows = min(BQ, T - t0);
  let i = lid / 4u;
  let part = lid % 4u;
  let t = t0 + i; // rows t >= T compute along (barriers) but are never stored
  let p = pos0 + t;
  let scale = inverseSqrt(f32(HS));

  for (var e = lid; e < BQ * HV; e += WG) {
    let r = e / HV;
    var q = vec4<f32>();
    if (r < rows) {
      q = q_store[(pos0 + t0 + r) * CV + head + e % HV];
    }
    q_sh[e] = q;
  }

  var acc: array<vec4<f32>, ACC_VECS>;
  var m_run = NEG_BIG;
  var l_run = 0.0;
  let last = pos0 + t0 + rows - 1u; // the block's last position: no row sees past it
  for (var j0 = 0u; j0 <= last; j0 += BKV) {
    let keys = min(BKV, last + 1u - j0);
    // The previous V tile has been read by everyone (and at first: the queries are staged).
    workgroupBarrier();
    for (var e = lid; e < BKV * HV; e += WG) {
      let r = e / HV;
      var k = vec4<f32>();
      if (r < keys) {
        k = k_cache[(j0 + r) * CV + head + e % HV];
      }
      kv_sh[e] = k;
    }
    workgroupBarrier();

    let kb = part * 4u;
    var d = vec4<f32>();
    for (var dv = 0u; dv < HV; dv++) {
      let q = q_sh[i * HV + dv];
      d += vec4<f32>(
        dot(q, kv_sh[kb * HV + dv]),
        dot(q, kv_sh[(kb + 1u) * HV + dv]),
        dot(q, kv_sh[(kb + 2u) * HV + dv]),
        dot(q, kv_sh[(kb + 3u) * HV + dv]),
      );
    }
    for (var c = 0u; c < 4u; c++) {
      let j = j0 + kb + c;
      s_sh[i * BKV + kb + c] = select(NEG_BIG, d[c] * scale, j <= p);
    }
    workgroupBarrier();

    // The scores are out of K's buffer: the V tile takes it.
    for (var e = lid; e < BKV * HV; e += WG) {
      let r = e / HV;
      var v = vec4<f32>();
      if (r < keys) {
        v = v_cache[(j0 + r) * CV + head + e % HV];
      }
      kv_sh[e] = v;
    }
    workgroupBarrier();

    var m_tile = NEG_BIG;
    for (var jj = 0u; jj < BKV; jj++) {
      m_tile = max(m_tile, s_sh[i * BKV + jj]);
    }
    // Key 0 is in the first tile and every row sees it, so m_new is finite from then on.
    let m_new = max(m_run, m_tile);
    let rescale = exp(m_run - m_new);
    l_run *= rescale;
    for (var m = 0u; m < ACC_VECS; m++) {
      acc[m] *= rescale;
    }
    for (var jj = 0u; jj < keys; jj++) {
      let w = exp(s_sh[i * BKV + jj] - m_new);
      l_run += w;
      for (var m = 0u; m < ACC_VECS; m++) {
        let dv = part + 4u * m;
        if (dv < HV) {
          acc[m] += w * kv_sh[jj * HV + dv];
        }
      }
    }
    m_run = m_new;
  }

  if (t >= T) {
    return;
  }
  // l_run >= 1: the key holding the running max contributes exp(0).
  let inv = 1.0 / l_run;
  for (var m = 0u; m < ACC_VECS; m++) {
    let dv = part + 4u * m;
    if (dv < HV) {
      out[t * CV + head + dv] = acc[m] * inv;
    }
  }
}
