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
// Selection as topk.wgsl (v1): the chunk in workgroup memory, runs of KEEP = 128 sorted by
// bitonic networks, then halved by bitonic merges of neighbouring runs until one is left.
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
const PER: u32 = CHUNK / WG; // slots per invocation
const KEEP: u32 = 128u;
const PAD_ID: u32 = 0xffffffffu;
const NEG_INF_BITS: u32 = 0xff800000u;

const ENTRIES: u32 = 65u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<u32>;
@group(0) @binding(2) var<storage, read_write> candidates: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> stats: array<vec4<f32>>;

// (max, sum exp(l - max), sum exp((l - max) * inv_temperature)); sum1 == 0 means "no values".
struct Partial {
  m: f32,
  sum1: f32,
  sumt: f32,
}

var<workgroup> partials: array<Partial, WG>;

fn merge(a: Partial, b: Partial, inv_t: f32) -> Partial {
  if (b.sum1 == 0.0) {
    return a;
  }
  if (a.sum1 == 0.0) {
    return b;
  }
  let m = max(a.m, b.m);
  let da = a.m - m;
  let db = b.m - m;
  return Partial(
    m,
    a.sum1 * exp(da) + b.sum1 * exp(db),
    a.sumt * exp(da * inv_t) + b.sumt * exp(db * inv_t),
  );
}

var<workgroup> keys: array<u32, CHUNK + CHUNK / 16u>;
var<workgroup> ids: array<u32, CHUNK + CHUNK / 16u>;

fn at(slot: u32) -> u32 {
  return slot + (slot >> 4u);
}

// Larger key = larger value. Negative floats have their bits reversed by the complement,
// positive ones are lifted above them by the sign bit.
fn key_of(raw: u32) -> u32 {
  var bits = raw;
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    bits = NEG_INF_BITS;
  }
  if ((bits & 0x7fffffffu) == 0u) {
    bits = 0u;
  }
  if ((bits & 0x80000000u) != 0u) {
    return ~bits;
  }
  return bits | 0x80000000u;
}

fn bits_of(key: u32) -> u32 {
  if ((key & 0x80000000u) != 0u) {
    return key & 0x7fffffffu;
  }
  return ~key;
}

// Whether the entry at (skewed) index a ranks before the one at b.
fn before(a: u32, b: u32) -> bool {
  return keys[a] > keys[b] || (keys[a] == keys[b] && ids[a] < ids[b]);
}

// Orders slots lo < hi: best first when `descending`, else worst first. (Equal entries are
// only ever padding, and swapping those changes nothing.)
fn compare_exchange(lo_slot: u32, hi_slot: u32, descending: bool) {
  let lo = at(lo_slot);
  let hi = at(hi_slot);
  if (before(hi, lo) == descending) {
    let k = keys[lo];
    let i = ids[lo];
    keys[lo] = keys[hi];
    ids[lo] = ids[hi];
    keys[hi] = k;
    ids[hi] = i;
  }
}

// Pair p of a stage with stride j: the slots differing only in bit j. Pairs PER/2 * lid ..
// PER/2 * (lid + 1) - 1 lie in the invocation's own block while j < PER.
fn pair_lo(p: u32, j: u32) -> u32 {
  return ((p & ~(j - 1u)) << 1u) | (p & (j - 1u));
}

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

  // Bitonic sort of each run of KEEP; bit KEEP of the slot alternates the direction per
  // run. A barrier goes wherever a stage or the one before it crosses blocks.
  var crossed = true;
  for (var k = 2u; k <= KEEP; k <<= 1u) {
    for (var j = k >> 1u; j > 0u; j >>= 1u) {
      if (crossed || j >= PER) {
        workgroupBarrier();
      }
      for (var r = 0u; r < PER / 2u; r++) {
        let lo = pair_lo(lid * (PER / 2u) + r, j);
        compare_exchange(lo, lo + j, (lo & k) == 0u);
      }
      crossed = j >= PER;
    }
  }

  // Halve the runs until one is left; output run m is descending when m is even.
  for (var runs = CHUNK / KEEP; runs > 1u; runs >>= 1u) {
    let kept = runs / 2u * KEEP;
    var best_key: array<u32, PER / 2u>;
    var best_id: array<u32, PER / 2u>;
    workgroupBarrier();
    for (var r = 0u; r < PER / 2u; r++) {
      let p = lid * (PER / 2u) + r;
      if (p < kept) {
        let a = at((p / KEEP) * 2u * KEEP + p % KEEP);
        var pick = at((p / KEEP) * 2u * KEEP + p % KEEP + KEEP);
        if (before(a, pick)) {
          pick = a;
        }
        best_key[r] = keys[pick];
        best_id[r] = ids[pick];
      }
    }
    workgroupBarrier();
    for (var r = 0u; r < PER / 2u; r++) {
      let p = lid * (PER / 2u) + r;
      if (p < kept) {
        keys[at(p)] = best_key[r];
        ids[at(p)] = best_id[r];
      }
    }
    crossed = true;
    for (var j = KEEP / 2u; j > 0u; j >>= 1u) {
      if (crossed || j >= PER) {
        workgroupBarrier();
      }
      for (var r = 0u; r < PER / 2u; r++) {
        let p = lid * (PER / 2u) + r;
        if (p < kept / 2u) {
          let lo = pair_lo(p, j);
          compare_exchange(lo, lo + j, ((lo / KEEP) & 1u) == 0u);
        }
      }
      crossed = j >= PER;
    }
  }

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
