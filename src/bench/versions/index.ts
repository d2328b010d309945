/**
 * Every kind of kernel with numbered versions, in the order `npm run bench:kernels` and
 * /bench.html run them. A new version goes into its kind's `versions` list; a new kind
 * into this list (see README, "Kernel versions").
 */
import type { KernelKind } from '../kernel-versions.ts';
import { attentionDecodeKind, attentionPrefillKind } from './attention.ts';
import { matmulKind, matvecKind } from './linear.ts';
import { lmHeadKind } from './lm-head.ts';
import { topkKind } from './topk.ts';

export const KERNEL_KINDS: readonly KernelKind[] = [
  matvecKind,
  lmHeadKind,
  attentionDecodeKind,
  topkKind,
  matmulKind,
  attentionPrefillKind,
];
