/**
 * Largest head size the attention kernels serve (MAX_HS in attention.wgsl and
 * attention_probs.wgsl). Its own file so config validation can read it without the shaders.
 */
export const ATTENTION_MAX_HS = 256;
