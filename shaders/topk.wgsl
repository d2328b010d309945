// Top-k selection, one round of a tournament: each workgroup takes CHUNK = 1024 consecutive
// entries of its input and writes the best `keep_out` of them (at most KEEP = 128), best
// first, as (value bits, id) pairs. Order: value descending, then id ascending, a total
// order, so rounds compose exactly. The binding runs rounds until one workgroup remains;
// the last keeps 65 entries: the 64 candidates and the one after them, which tells the
// sampler whether the 64th value has ties further down.
//   - NaN reads as -inf, -0 as +0 (the output carries the canonical value).
//   - Entries past n are padding (-inf, id 0xffffffff): they lose to every real entry, a
//     real -inf included, so with V < keep_out the tail of the output is padding.
// Bindings: 0 Params, 1 input: array<u32> (round 0: the f32 logits' bits, id = index;
//   later rounds: pairs (value bits, id) at words 2i, 2i + 1), 2 out: array<vec2<u32>>
//   [ceil(n / CHUNK) * keep_out] (x = f32 bits of the value, y = id).
// Dispatch: ceil(n / CHUNK) workgroups of WG = 64, split over x and y above 65535 (grid1d;
//   group = wid.y * groups_x + wid.x).
//
// The chunk sits in workgroup memory (8.5 KiB), cut into runs of KEEP, each sorted by a
// bitonic network, alternately descending and ascending. Then, while more than one run is
// left, neighbouring runs A (descending) and B (ascending) are replaced by max(A[i], B[i]):
// a bitonic sequence holding the best KEEP of both, which a bitonic merge sorts. That
// skips most of the work of sorting the whole chunk.
// Each invocation owns a block of PER = 16 consecutive slots and does the compare-exchanges
// inside it, so the stages of stride < PER need no barrier: 29 barriers instead of 52.
// Slots are skewed (slot + slot / 16) so the blocks of a warp fall in different banks.
// Everything is compared as integers: sort keys are the f32 bits mapped to an
// order-preserving u32, so no float compare meets NaN or inf.

struct Params {
  n: u32, // input entries
  pairs_in: u32, // 0: the input is f32 logits; 1: the input is (value bits, id) pairs
  groups_x: u32, // workgroups along x in the dispatch grid
  keep_out: u32, // entries each workgroup writes, <= KEEP
}

const WG: u32 = 64u;
const CHUNK: u32 = 1024u;
const PER: u32 = CHUNK / WG; // slots per invocation
const KEEP: u32 = 128u;
const PAD_ID: u32 = 0xffffffffu;
const NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec2<u32>>;

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
  let group = wid.y * params.groups_x + wid.x;
  let base = group * CHUNK;
  // The x-y split of the grid may round up past the last chunk. Uniform over the
  // workgroup, so the barriers below stay in uniform control flow.
  if (base >= params.n) {
    return;
  }

  // Coalesced: consecutive invocations read consecutive words.
  for (var r = 0u; r < PER; r++) {
    let slot = r * WG + lid;
    let g = base + slot;
    var key = key_of(NEG_INF_BITS);
    var id = PAD_ID;
    if (g < params.n) {
      if (params.pairs_in == 0u) {
        key = key_of(input[g]);
        id = g;
      } else {
        key = key_of(input[2u * g]);
        id = input[2u * g + 1u];
      }
    }
    keys[at(slot)] = key;
    ids[at(slot)] = id;
  }

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
  for (var i = lid; i < params.keep_out; i += WG) {
    out[group * params.keep_out + i] = vec2(bits_of(keys[at(i)]), ids[at(i)]);
  }
}
