// Decode attention, flash-decoding: the keys of one query (position pos, keys 0 .. pos) are
// split into `splits` runs of keys_per_split; workgroup (s, h) computes, for head h
// (channels h*HS .. h*HS + HS - 1, HS = C / NH) over keys j of run s, a partial softmax:
//   m = max_j s_j, l = sum_j exp(s_j - m), acc = sum_j exp(s_j - m) v_j,
// s_j = q . k_j / sqrt(HS). The combine (out = sum_s e^(m_s - M) acc_s / sum_s e^(m_s - M) l_s)
// is folded into c_proj's prologue (matvec_v2.wgsl, prologue 2), so it is not a dispatch.
// Partials layout: acc [NH, splits, HS] at 0, then (m, l) pairs [NH, splits, 2].
// Within a run, keys go by in chunks of WG = 64 with an online softmax (running max and sum,
// accumulator rescaled by exp(m_old - m_new)): invocation l scores key c0 + l, reading its
// key row in HS / 4 vec4 loads against q held in workgroup memory; then DV = HS / 4
// invocations per key read a value row in vec4 loads (coalesced), G = 64 / DV keys at a time,
// and the G partial accumulators are summed at the end.
// Needs HS a multiple of 4 (so heads start at 16-byte boundaries) and HS <= 256.
// Bindings: 0 Params, 1 q_store, 2 k_cache, 3 v_cache: array<vec4<f32>>[P*C/4] (rows 0 .. pos
//   valid), 4 partials: array<f32>[NH * splits * (HS + 2)].
// Dispatch: (splits, NH) workgroups of 64. Every run holds at least one key.

struct Params {
  pos: u32,
  C: u32,
  NH: u32,
  keys_per_split: u32, // a multiple of WG
  splits: u32,
}

const WG: u32 = 64u;
const MAX_DV: u32 = 64u; // HS / 4 <= 64
// Stands for -infinity (WGSL has no infinity literal); exp(NEG_BIG - finite) is 0.
const NEG_BIG: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q_store: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v_cache: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

var<workgroup> q_sh: array<vec4<f32>, MAX_DV>;
var<workgroup> w_sh: array<f32, WG>;
var<workgroup> acc_sh: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let C = params.C;
  let NH = params.NH;
  let HS = C / NH;
  let DV = HS / 4u;
  let G = WG / DV; // keys whose values are read at once
  let split = wid.x;
  let h = wid.y;
  let row4 = C / 4u; // vec4 per cache row
  let head4 = h * DV; // vec4 offset of the head in a row
  let n_keys = params.pos + 1u;
  let first = split * params.keys_per_split;
  let last = min(first + params.keys_per_split, n_keys);
  let scale = inverseSqrt(f32(HS));

  if (lid < DV) {
    q_sh[lid] = q_store[params.pos * row4 + head4 + lid];
  }
  let dv = lid % DV;
  let g = lid / DV;

  var acc = vec4<f32>();
  var m_run = NEG_BIG;
  var l_run = 0.0;
  for (var c0 = first; c0 < last; c0 += WG) {
    let count = min(WG, last - c0);
    // q_sh is complete; the previous chunk's w_sh has been read by everyone.
    workgroupBarrier();
    var s = NEG_BIG;
    if (lid < count) {
      let k0 = (c0 + lid) * row4 + head4;
      var dot = vec4<f32>();
      for (var i = 0u; i < DV; i++) {
        dot += k_cache[k0 + i] * q_sh[i];
      }
      s = (dot.x + dot.y + dot.z + dot.w) * scale;
    }
    w_sh[lid] = s;
    workgroupBarrier();
    var m_chunk = NEG_BIG;
    for (var i = 0u; i < count; i++) {
      m_chunk = max(m_chunk, w_sh[i]);
    }
    let m_new = max(m_run, m_chunk);
    let rescale = exp(m_run - m_new);
    workgroupBarrier();
    w_sh[lid] = exp(s - m_new);
    workgroupBarrier();
    var l_chunk = 0.0;
    for (var i = 0u; i < count; i++) {
      l_chunk += w_sh[i];
    }
    l_run = l_run * rescale + l_chunk;
    acc *= rescale;
    if (g < G) {
      for (var i = g; i < count; i += G) {
        acc += w_sh[i] * v_cache[(c0 + i) * row4 + head4 + dv];
      }
    }
    m_run = m_new;
  }

  acc_sh[lid] = acc;
  workgroupBarrier();
  let at = h * params.splits + split;
  if (lid < DV) {
    var total = acc_sh[lid];
    for (var j = 1u; j < G; j++) {
      total += acc_sh[j * DV + lid];
    }
    let o = at * HS + 4u * lid;
    partials[o] = total.x;
    partials[o + 1u] = total.y;
    partials[o + 2u] = total.z;
    partials[o + 3u] = total.w;
  }
  if (lid == 0u) {
    let o = NH * params.splits * HS + 2u * at;
    partials[o] = m_run;
    partials[o + 1u] = l_run;
  }
}
