/**
 * What a forward step hands back to generation, named by the model layer so generation
 * depends on the model's contract rather than on a kernel: the top CANDIDATES logits at the
 * last position (sorted descending, ties: lower id first) and the log-sum-exp statistics
 * over the whole vocabulary. The kernels that compute them (topk, logsumexp) define the
 * layouts; this is the one place above them that names the types.
 */
export { CANDIDATES, type Candidate } from '../kernels/topk.ts';
export type { LogitStats } from '../kernels/logsumexp.ts';
