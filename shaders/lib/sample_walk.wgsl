// The sampling walk over the sorted candidates (sample.wgsl says what it chooses and why it
// may be a guess), shared by sample.wgsl and topk_merge.wgsl. The kernel that links it
// defines `fn sample_candidate(i: u32) -> vec2<u32>` (f32 bits of the logit, id; sorted
// descending, PAD_ID past the real ones) and the constant PAD_ID. Serial, in one
// invocation: 65 entries, summed in the order the CPU sums them.

struct SampleSettings {
  // 1: temperature 0, take the top candidate.
  greedy: u32,
  // 0 = off.
  top_k: u32,
  // 1 = off.
  top_p: f32,
  inv_temperature: f32,
  // The uniform draw in [0, 1), rounded to f32.
  u: f32,
  // Tokens that may be sampled (the vocabulary, less any padding rows).
  vocab: u32,
}

const SAMPLE_CANDIDATES: u32 = 64u;

// The chosen id. sum_t: sum exp((l - max) * inv_temperature) over the whole vocabulary.
fn sample_walk(s: SampleSettings, sum_t: f32) -> u32 {
  var n = 0u;
  while (n < SAMPLE_CANDIDATES && sample_candidate(n).y != PAD_ID) {
    n += 1u;
  }
  if (s.greedy == 1u || n <= 1u) {
    return sample_candidate(0u).y;
  }
  let top = bitcast<f32>(sample_candidate(0u).x);
  let complete = s.vocab <= n;

  // Top-k: the leading entries >= the k-th largest (ties kept).
  var m = n;
  let k = s.top_k;
  let top_k_within = k != 0u && k <= n;
  if (k != 0u && k < n) {
    let kth = bitcast<f32>(sample_candidate(k - 1u).x);
    m = k;
    while (m < n && bitcast<f32>(sample_candidate(m).x) >= kth) {
      m += 1u;
    }
  }

  // Top-p over the top-k set: its mass is exact when the set lies among the candidates,
  // otherwise the whole vocabulary's sum stands in for it (the CPU bounds it properly).
  var kept = m;
  if (s.top_p < 1.0) {
    var total = sum_t;
    if (top_k_within || complete) {
      total = 0.0;
      for (var i = 0u; i < m; i += 1u) {
        total += sample_weight(i, top, s.inv_temperature);
      }
    }
    let reach = s.top_p * total;
    var acc = 0.0;
    for (var i = 0u; i < m; i += 1u) {
      acc += sample_weight(i, top, s.inv_temperature);
      if (acc >= reach) {
        kept = i + 1u;
        break;
      }
    }
  }

  // Normalised over the kept candidates; when the kept set reaches past them (top-k off or
  // beyond the candidates, top-p off) over the whole vocabulary, so that a draw landing
  // among the candidates still finds its token.
  var norm = 0.0;
  if (!top_k_within && !complete && s.top_p >= 1.0) {
    norm = sum_t;
  } else {
    for (var i = 0u; i < kept; i += 1u) {
      norm += sample_weight(i, top, s.inv_temperature);
    }
  }
  var acc = 0.0;
  var last_non_zero = 0u;
  for (var i = 0u; i < kept; i += 1u) {
    let p = sample_weight(i, top, s.inv_temperature) / norm;
    if (p > 0.0) {
      last_non_zero = i;
    }
    acc += p;
    if (acc > s.u) {
      return sample_candidate(i).y;
    }
  }
  return sample_candidate(last_non_zero).y;
}

fn sample_weight(i: u32, top: f32, inv_t: f32) -> f32 {
  return exp((bitcast<f32>(sample_candidate(i).x) - top) * inv_t);
}
