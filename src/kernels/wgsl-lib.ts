import chunkTop from '../../shaders/lib/chunk_top.wgsl?raw';
import sampleWalk from '../../shaders/lib/sample_walk.wgsl?raw';
import softmaxPartial from '../../shaders/lib/softmax_partial.wgsl?raw';

/** WGSL written once in shaders/lib/ and linked before each kernel that uses it. */
const LIBS = {
  /** The best 128 of a 1,024-entry chunk in workgroup memory (topk, topk_lse). */
  chunkTop,
  /** The online softmax normaliser and its pairwise merge (logsumexp, topk_lse). */
  softmaxPartial,
  /** The GPU's choice of the next token from the sorted candidates (sample, topk_merge). */
  sampleWalk,
} as const;

export function linkWgsl(kernel: string, ...libs: (keyof typeof LIBS)[]): string {
  return [...libs.map((l) => LIBS[l]), kernel].join('\n');
}
