/**
 * Causal multi-head self-attention and the KV-cache write, in plain loops with
 * double-precision accumulation: the readable spec of kv_write.wgsl, attention.wgsl and
 * attention_probs.wgsl. Heads are interleaved within C: head h owns channels
 * h*HS .. (h+1)*HS - 1, as GPT-2's c_attn lays them out.
 */

export interface CausalAttentionRef {
  /** [T, C]: per head, the softmax-weighted sum of the values of positions 0..t. */
  out: Float32Array;
  /** Per head, [T, T] row-major: probs[h][t*T + j], 0 for j > t. Only when asked for. */
  probs?: Float32Array[];
}

/**
 * out[t, head h] = sum_{j<=t} softmax_j(q[t] . k[j] / sqrt(HS)) v[j], over full sequences:
 * q, k, v each [T, C] at positions 0..T-1.
 */
export function causalAttentionRef(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  T: number,
  C: number,
  NH: number,
  { withProbs = false }: { withProbs?: boolean } = {},
): CausalAttentionRef {
  if (!Number.isInteger(C / NH))
    throw new RangeError(`attention: C=${C} not divisible by NH=${NH}`);
  for (const [name, a] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    if (a.length < T * C) throw new RangeError(`attention: ${name} has ${a.length} < T*C floats`);
  }
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const out = new Float32Array(T * C);
  const probs = withProbs ? Array.from({ length: NH }, () => new Float32Array(T * T)) : undefined;
  const s = new Float64Array(T);
  for (let h = 0; h < NH; h++) {
    const o = h * HS;
    for (let t = 0; t < T; t++) {
      let max = -Infinity;
      for (let j = 0; j <= t; j++) {
        let dot = 0;
        for (let d = 0; d < HS; d++) dot += q[t * C + o + d] * k[j * C + o + d];
        s[j] = dot * scale;
        if (s[j] > max) max = s[j];
      }
      let sum = 0;
      for (let j = 0; j <= t; j++) {
        s[j] = Math.exp(s[j] - max);
        sum += s[j];
      }
      for (let j = 0; j <= t; j++) s[j] /= sum;
      if (probs) for (let j = 0; j <= t; j++) probs[h][t * T + j] = s[j];
      for (let d = 0; d < HS; d++) {
        let acc = 0;
        for (let j = 0; j <= t; j++) acc += s[j] * v[j * C + o + d];
        out[t * C + o + d] = acc;
      }
    }
  }
  return probs ? { out, probs } : { out };
}

/**
 * Writes row t of qkv [T, 3C] (q | k | v) into row pos0 + t of qStore, kCache and vCache
 * (each [P, C]), in place; other rows are left as they were.
 */
export function kvWriteRef(
  qkv: Float32Array,
  T: number,
  C: number,
  pos0: number,
  caches: { q: Float32Array; k: Float32Array; v: Float32Array },
): void {
  if (qkv.length < T * 3 * C) throw new RangeError(`kv_write: qkv has ${qkv.length} < T*3C floats`);
  for (const [name, a] of Object.entries(caches)) {
    if (a.length < (pos0 + T) * C) {
      throw new RangeError(`kv_write: ${name} holds ${a.length / C} rows, needs ${pos0 + T}`);
    }
  }
  for (let t = 0; t < T; t++) {
    const row = t * 3 * C;
    const dst = (pos0 + t) * C;
    caches.q.set(qkv.subarray(row, row + C), dst);
    caches.k.set(qkv.subarray(row + C, row + 2 * C), dst);
    caches.v.set(qkv.subarray(row + 2 * C, row + 3 * C), dst);
  }
}

/** out[t, head h] = sum_j probs[h][t, j] v[j, head h]: attention from given probabilities. */
export function probsTimesValuesRef(
  probs: readonly Float32Array[],
  v: Float32Array,
  n: number,
  C: number,
): Float32Array {
  const NH = probs.length;
  const HS = C / NH;
  const out = new Float32Array(n * C);
  for (let h = 0; h < NH; h++) {
    for (let t = 0; t < n; t++) {
      for (let d = 0; d < HS; d++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += probs[h][t * n + j] * v[j * C + h * HS + d];
        out[t * C + h * HS + d] = acc;
      }
    }
  }
  return out;
}

/**
 * Flash-decoding partials (attention_split.wgsl) for the query q [C] at the last of n
 * positions over k, v [n, C]: for head h and run s of keysPerSplit keys, m = max score,
 * l = sum exp(score - m), acc = sum exp(score - m) v, laid out as the kernel writes them:
 * acc [NH, splits, HS], then (m, l) pairs [NH, splits, 2].
 */
export function attentionSplitRef(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  n: number,
  C: number,
  NH: number,
  keysPerSplit: number,
): Float32Array {
  const HS = C / NH;
  const S = Math.ceil(n / keysPerSplit);
  const out = new Float32Array(NH * S * (HS + 2));
  const scale = 1 / Math.sqrt(HS);
  for (let h = 0; h < NH; h++) {
    for (let s = 0; s < S; s++) {
      const j0 = s * keysPerSplit;
      const j1 = Math.min(j0 + keysPerSplit, n);
      const scores: number[] = [];
      for (let j = j0; j < j1; j++) {
        let dot = 0;
        for (let d = 0; d < HS; d++) dot += q[h * HS + d] * k[j * C + h * HS + d];
        scores.push(dot * scale);
      }
      const m = Math.max(...scores);
      let l = 0;
      const acc = new Float64Array(HS);
      scores.forEach((sc, i) => {
        const w = Math.exp(sc - m);
        l += w;
        for (let d = 0; d < HS; d++) acc[d] += w * v[(j0 + i) * C + h * HS + d];
      });
      out.set(acc, (h * S + s) * HS);
      out[NH * S * HS + 2 * (h * S + s)] = m;
      out[NH * S * HS + 2 * (h * S + s) + 1] = l;
    }
  }
  return out;
}

/** The combine of attentionSplitRef's partials: the attention output [C] of the query. */
export function combineSplitsRef(
  partials: Float32Array,
  C: number,
  NH: number,
  S: number,
): Float32Array {
  const HS = C / NH;
  const out = new Float32Array(C);
  for (let h = 0; h < NH; h++) {
    const stat = (s: number, i: number) => partials[NH * S * HS + 2 * (h * S + s) + i];
    let M = -Infinity;
    for (let s = 0; s < S; s++) M = Math.max(M, stat(s, 0));
    let L = 0;
    for (let s = 0; s < S; s++) L += Math.exp(stat(s, 0) - M) * stat(s, 1);
    for (let d = 0; d < HS; d++) {
      let acc = 0;
      for (let s = 0; s < S; s++) acc += Math.exp(stat(s, 0) - M) * partials[(h * S + s) * HS + d];
      out[h * HS + d] = acc / L;
    }
  }
  return out;
}
