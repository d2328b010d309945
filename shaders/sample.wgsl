// Sampling on the GPU, so that the next decode step can be queued before the CPU has read
// this one (pipelined decode). From the top-k kernel's candidates and the log-sum-exp
// stats, with the CPU's uniform draw u for this position, it chooses the next token the
// way src/generation/sampler.ts selectFromCandidates does (temperature, then top-k, then
// top-p; the first kept candidate whose cumulative probability exceeds u), in f32, and
// writes its id where the next step's embedding reads it.
//
// It is a guess the CPU checks: the CPU draws from the same candidates in f64 when the
// readback arrives and, where it disagrees (u within rounding of a boundary, a token past
// the candidates), the queued step is discarded and run again. So nothing here needs to
// be exact, only almost always right. The v2 decode does the same walk at the end of
// topk_merge.wgsl instead of in a dispatch of its own.
//
// Bindings: 0 Params, 1 candidates: array<vec2<u32>>[TOPK_ENTRIES] (x = f32 bits of the
//   logit, y = id; sorted descending, padding id 0xffffffff), 2 stats: array<f32>[4]
//   (max, sum exp(l - max), sum exp((l - max) * inv_t), inv_t), 3 out: array<u32> (the
//   chosen id at out[out_index]).
// Dispatch: 1 workgroup of 1 (the walk, shaders/lib/sample_walk.wgsl, is linked before).

struct Params {
  greedy: u32,
  top_k: u32,
  top_p: f32,
  inv_temperature: f32,
  u: f32,
  vocab: u32,
  out_index: u32,
}

const PAD_ID: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> candidates: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

fn sample_candidate(i: u32) -> vec2<u32> {
  return candidates[i];
}

@compute @workgroup_size(1)
fn main() {
  let s = SampleSettings(
    params.greedy,
    params.top_k,
    params.top_p,
    params.inv_temperature,
    params.u,
    params.vocab,
  );
  out[params.out_index] = sample_walk(s, stats[2]);
}
