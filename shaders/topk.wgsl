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
// The chunk sits in workgroup memory (8.5 KiB); the selection is shaders/lib/chunk_top.wgsl,
// linked before this file (it defines KEEP, the key order and the padding).

struct Params {
  n: u32, // input entries
  pairs_in: u32, // 0: the input is f32 logits; 1: the input is (value bits, id) pairs
  groups_x: u32, // workgroups along x in the dispatch grid
  keep_out: u32, // entries each workgroup writes, <= KEEP
}

const WG: u32 = 64u;
const CHUNK: u32 = 1024u;
const PER: u32 = CHUNK / WG; // slots per invocation: chunk_top.wgsl's compare-exchange blocks

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec2<u32>>;

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

  select_chunk_top(lid);

  workgroupBarrier();
  for (var i = lid; i < params.keep_out; i += WG) {
    out[group * params.keep_out + i] = vec2(bits_of(keys[at(i)]), ids[at(i)]);
  }
}
