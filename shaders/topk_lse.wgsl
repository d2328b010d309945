// Sampling support v2, pass 1 of 2 (topk_merge.wgsl is pass 2): one pass over the logits
// [V] in which workgroup g takes CHUNK = 1024 consecutive logits and writes
//   - its best ENTRIES = 65 (the 64 candidates and the one after them, which tells the
//     sampler whether the 64th value has ties further down), best first, as (value bits,
//     id) pairs; order: value descending, then id ascending (a total order, so the merge
//     is exact); NaN reads as -inf, -0 as +0; entries past V are padding (-inf, id
//     0xffffffff), which lose to every real entry;
//   - its softmax normalisers (m, sum exp(l - m), sum exp((l - m) * inv_temperature)) over
//     the chunk, NaN and -inf counting for nothing (as logsumexp.wgsl, which this replaces
//     at decode together with topk.wgsl's later rounds).
// Selection as topk.wgsl (v1): shaders/lib/chunk_top.wgsl, linked before this file.
// Bindings: 0 Params, 1 logits: array<u32>[V] (f32 bits), 2 candidates:
//   array<vec2<u32>>[groups * ENTRIES] (x = f32 bits, y = id), 3 stats:
//   array<vec4<f32>>[groups] (m, sum, sum at temperature, 0; sum = 0 when nothing counts).
// Dispatch: ceil(V / CHUNK) workgroups of WG = 64 along x (50257 logits: 50 workgroups).

struct Params {
  V: u32,
  inv_temperature: f32,
}

const WG: u32 = 64u;
const CHUNK: u32 = 1024u;
const PER: u32 = CHUNK / WG; // slots per invocation: chunk_top.wgsl's compare-exchange blocks

const ENTRIES: u32 = 65u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<u32>;
@group(0) @binding(2) var<storage, read_write> candidates: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> stats: array<vec4<f32>>;

// Partial and merge: shaders/lib/softmax_partial.wgsl, linked before this file.
var<workgroup> partials: array<Partial, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let group = wid.x;
  let base = group * CHUNK;
  let inv_t = params.inv_temperature;

  // Coalesced: consecutive invocations read consecutive words.
  var acc = Partial(0.0, 0.0, 0.0);
  for (var r = 0u; r < PER; r++) {
    let slot = r * WG + lid;
    let g = base + slot;
    var key = key_of(NEG_INF_BITS);
    var id = PAD_ID;
    if (g < params.V) {
      let bits = logits[g];
      key = key_of(bits);
      id = g;
      // NaN or -inf count for nothing in the sums.
      if ((bits & 0x7fffffffu) <= 0x7f800000u && bits != NEG_INF_BITS) {
        acc = merge(acc, Partial(bitcast<f32>(bits), 1.0, 1.0), inv_t);
      }
    }
    keys[at(slot)] = key;
    ids[at(slot)] = id;
  }
  partials[lid] = acc;

  select_chunk_top(lid);

  workgroupBarrier();
  for (var i = lid; i < ENTRIES; i += WG) {
    candidates[group * ENTRIES + i] = vec2(bits_of(keys[at(i)]), ids[at(i)]);
  }
  if (lid == 0u) {
    var total = partials[0];
    for (var i = 1u; i < WG; i++) {
      total = merge(total, partials[i], inv_t);
    }
    stats[group] = vec4(total.m, total.sum1, total.sumt, 0.0);
  }
}
