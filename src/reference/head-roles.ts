/** Head-role scores (see src/inspect/head-roles.ts) from the CPU reference's attention maps. */
import { gpt2ForwardRef, type Gpt2RefConfig, type Gpt2RefWeights } from './gpt2.ts';

export interface HeadRolesRef {
  previous: number[][];
  first: number[][];
  self: number[][];
  induction: number[][];
}

export function headRolesRef(
  cfg: Gpt2RefConfig,
  w: Gpt2RefWeights,
  ids: readonly number[],
): HeadRolesRef {
  const n = ids.length;
  const R = Math.floor((n - 1) / 2);
  const grid = () => Array.from({ length: cfg.nLayer }, () => new Array<number>(cfg.nHead).fill(0));
  const out: HeadRolesRef = { previous: grid(), first: grid(), self: grid(), induction: grid() };
  gpt2ForwardRef(cfg, w, ids, undefined, {
    attentionProbs: (l, h, A) => {
      const at = (i: number, j: number) => A[i * n + j];
      const mean = (from: number, to: number, f: (i: number) => number) => {
        let s = 0;
        for (let i = from; i <= to; i++) s += f(i);
        return to >= from ? s / (to - from + 1) : 0;
      };
      out.previous[l][h] = mean(1, n - 1, (i) => at(i, i - 1));
      out.first[l][h] = mean(1, n - 1, (i) => at(i, 0));
      out.self[l][h] = mean(1, n - 1, (i) => at(i, i));
      out.induction[l][h] = mean(R + 1, 2 * R, (i) => at(i, i - R + 1));
    },
  });
  return out;
}
