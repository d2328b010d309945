// Sampling support v2, pass 2 of 2: merges topk_lse.wgsl's per-chunk results into
//   - out: the best ENTRIES = 65 of all logits, best first (value descending, then id
//     ascending), padding (-inf, id 0xffffffff) past V entries;
//   - lse: (m, sum exp(l - m), sum exp((l - m) * inv_temperature), inv_temperature) over
//     all logits, as logsumexp.wgsl writes it (m = -inf bits when nothing counts).
// The merge is by rank, with no sort: each list is sorted, so a real entry's rank in the
// union is its place in its own list plus, for every other list, how many of its entries
// come first (a binary search); entries of rank < ENTRIES are written at their rank. The
// order is total, so ranks are distinct. A search stops once the rank reaches ENTRIES.
// With sample = 1 it then chooses the next token from them as sample.wgsl does (the walk
// of shaders/lib/sample_walk.wgsl, linked before) and writes its id to ids[out_index]:
// pipelined decode without a dispatch of its own.
// Bindings: 0 Params, 1 candidates: array<vec2<u32>>[lists * ENTRIES], 2 stats:
//   array<vec4<f32>>[lists], 3 out: array<vec2<u32>>[ENTRIES], 4 lse: array<u32>[4],
//   5 ids: array<u32> (written only when sampling).
// Dispatch: 1 workgroup of 256 (GPT-2: 50 lists, 3250 entries, about 13 per invocation).

struct Params {
  V: u32,
  lists: u32,
  inv_temperature: f32,
  // 1: choose the next token (the fields below are sample.wgsl's).
  sample: u32,
  greedy: u32,
  top_k: u32,
  top_p: f32,
  u: f32,
  out_index: u32,
}

const WG: u32 = 256u;
const ENTRIES: u32 = 65u;
const PAD_ID: u32 = 0xffffffffu;
const NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> candidates: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec2<u32>>;
@group(0) @binding(4) var<storage, read_write> lse: array<u32>;
@group(0) @binding(5) var<storage, read_write> ids: array<u32>;

fn sample_candidate(i: u32) -> vec2<u32> {
  return out[i];
}

// Order-preserving u32 of canonical f32 bits (as topk.wgsl's key_of; the lists hold no NaN).
fn key_of(bits: u32) -> u32 {
  if ((bits & 0x80000000u) != 0u) {
    return ~bits;
  }
  return bits | 0x80000000u;
}

// Whether entry a ranks before entry b.
fn before(a: vec2<u32>, b: vec2<u32>) -> bool {
  let ka = key_of(a.x);
  let kb = key_of(b.x);
  return ka > kb || (ka == kb && a.y < b.y);
}

// How many entries of list b rank before e (the list is sorted best first).
fn count_before(e: vec2<u32>, b: u32) -> u32 {
  var lo = 0u;
  var hi = ENTRIES;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (before(candidates[b * ENTRIES + mid], e)) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  return lo;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let lists = params.lists;
  let total = lists * ENTRIES;
  for (var i = lid; i < total; i += WG) {
    let e = candidates[i];
    if (e.y == PAD_ID) {
      continue;
    }
    let own = i / ENTRIES;
    var rank = i - own * ENTRIES;
    for (var b = 0u; b < lists && rank < ENTRIES; b++) {
      if (b != own) {
        rank += count_before(e, b);
      }
    }
    if (rank < ENTRIES) {
      out[rank] = e;
    }
  }
  // Ranks 0 .. min(V, ENTRIES) - 1 are all taken by real entries; the rest is padding.
  for (var r = min(params.V, ENTRIES) + lid; r < ENTRIES; r += WG) {
    out[r] = vec2(NEG_INF_BITS, PAD_ID);
  }

  // The walk below reads what every invocation wrote to out.
  storageBarrier();
  if (lid == 0u) {
    let inv_t = params.inv_temperature;
    var m = 0.0;
    var sum1 = 0.0;
    var sumt = 0.0;
    for (var b = 0u; b < lists; b++) {
      let s = stats[b];
      if (s.y == 0.0) {
        continue;
      }
      if (sum1 == 0.0) {
        m = s.x;
        sum1 = s.y;
        sumt = s.z;
      } else {
        let mn = max(m, s.x);
        let da = m - mn;
        let db = s.x - mn;
        sum1 = sum1 * exp(da) + s.y * exp(db);
        sumt = sumt * exp(da * inv_t) + s.z * exp(db * inv_t);
        m = mn;
      }
    }
    lse[0] = select(bitcast<u32>(m), NEG_INF_BITS, sum1 == 0.0);
    lse[1] = bitcast<u32>(sum1);
    lse[2] = bitcast<u32>(sumt);
    lse[3] = bitcast<u32>(inv_t);
    if (params.sample == 1u) {
      let s = SampleSettings(params.greedy, params.top_k, params.top_p, inv_t, params.u, params.V);
      ids[params.out_index] = sample_walk(s, sumt);
    }
  }
}
