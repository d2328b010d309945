// The online softmax normaliser of a set of logits, merged pairwise: linked before
// logsumexp.wgsl and topk_lse.wgsl.
// (max, sum exp(l - max), sum exp((l - max) * inv_temperature)); sum1 == 0 means "no values",
// so no infinity is ever computed with.
struct Partial {
  m: f32,
  sum1: f32,
  sumt: f32,
}

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
