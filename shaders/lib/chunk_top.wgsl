// The best KEEP = 128 of a chunk of CHUNK = 1024 (key, id) entries held in workgroup
// memory, by one workgroup of WG = 64 (both declared by the kernel): linked before topk.wgsl and topk_lse.wgsl, which load
// the chunk into `keys` / `ids` (through `at`, keys from `key_of`), call `select_chunk_top`
// and read the best entries, best first, from slots 0..KEEP-1.
// Order: value descending, then id ascending, a total order, so rounds and merges compose
// exactly. NaN reads as -inf, -0 as +0. Padding is (key_of(-inf), PAD_ID): it loses to
// every real entry, a real -inf included.
//
// The chunk is cut into runs of KEEP, each sorted by a bitonic network, alternately
// descending and ascending. Then, while more than one run is left, neighbouring runs A
// (descending) and B (ascending) are replaced by max(A[i], B[i]): a bitonic sequence holding
// the best KEEP of both, which a bitonic merge sorts. That skips most of the work of sorting
// the whole chunk. Each invocation owns a block of PER = 16 consecutive slots and does the
// compare-exchanges inside it, so the stages of stride < PER need no barrier: 29 barriers
// instead of 52. Slots are skewed (slot + slot / 16) so the blocks of a warp fall in
// different banks. Everything is compared as integers: sort keys are the f32 bits mapped to
// an order-preserving u32, so no float compare meets NaN or inf.

// The kernel declares its geometry: WG (64), CHUNK (1024) and PER = CHUNK / WG (16).
const KEEP: u32 = 128u;
const PAD_ID: u32 = 0xffffffffu;
const NEG_INF_BITS: u32 = 0xff800000u;

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

// Sorts the chunk loaded into keys / ids so that slots 0..KEEP-1 hold its best KEEP, best
// first. Called by every invocation of the workgroup, in uniform control flow.
fn select_chunk_top(lid: u32) {
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
}
