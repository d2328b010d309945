import chunkTop from '../../shaders/lib/chunk_top.wgsl?raw';

/**
 * topk.wgsl and topk_lse.wgsl each pick the best 128 of a 1,024-entry chunk the same way;
 * that selection is written once, in shaders/lib/chunk_top.wgsl, and linked before them.
 */
export function linkChunkTop(kernel: string): string {
  return `${chunkTop}\n${kernel}`;
}
