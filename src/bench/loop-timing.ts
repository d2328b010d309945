/**
 * The generation loop timed end to end, pipelined and not, in one run on the same model:
 * what the GPU waiting for the CPU between tokens costs. Each mode runs twice, interleaved
 * (plain, pipelined, plain, pipelined), and keeps its faster run, so a burst of other work
 * on the machine does not decide the ratio.
 */
import type { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { parseSamplingSettings } from '../generation/sampling-settings.ts';

export interface LoopTiming {
  /** Tokens timed per run (after the first, whose step also prefills). */
  tokens: number;
  /** Wall time per token, the step queued before the one before it is read back. */
  pipelinedMsPerToken: number;
  /** Wall time per token, each step waiting for the CPU to read and sample the one before. */
  plainMsPerToken: number;
  /** Tokens whose next step the GPU had already started (the pipelined runs' last one never). */
  ahead: number;
  /** Both modes gave the same tokens (they must: the CPU checks every GPU choice). */
  sameTokens: boolean;
}

/** The playground's default settings: top-k 50 keeps the choice among the candidates. */
const SETTINGS = parseSamplingSettings({ temperature: 1, topK: 50, topP: 1, seed: 7 });

export async function timeGenerationLoop(
  engine: Gpt2Engine,
  tokens: number,
  onStatus: (message: string) => void = () => {},
): Promise<LoopTiming> {
  const run = async (pipeline: boolean) => {
    engine.dropCache();
    const ids: number[] = [];
    let ahead = 0;
    let start = 0;
    for await (const step of engine.generate({
      contextIds: [Math.min(464, engine.config.vocabSize - 1)],
      maxNewTokens: tokens + 1,
      settings: () => SETTINGS,
      stopAtEndOfText: false,
      pipeline,
    })) {
      if (step.index === 0) start = performance.now();
      ids.push(step.id);
      if (step.pipeline.ahead) ahead++;
    }
    return { ms: (performance.now() - start) / tokens, ids, ahead };
  };
  const plain: Awaited<ReturnType<typeof run>>[] = [];
  const piped: Awaited<ReturnType<typeof run>>[] = [];
  for (let round = 1; round <= 2; round++) {
    onStatus(`generation loop, round ${round}/2: each step waiting for the CPU`);
    plain.push(await run(false));
    onStatus(`generation loop, round ${round}/2: pipelined`);
    piped.push(await run(true));
  }
  const best = (runs: typeof plain) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const same = [...plain, ...piped].every((r) => r.ids.join() === plain[0].ids.join());
  return {
    tokens,
    pipelinedMsPerToken: best(piped).ms,
    plainMsPerToken: best(plain).ms,
    ahead: best(piped).ahead,
    sameTokens: same,
  };
}

export function formatLoopTiming(t: LoopTiming): string {
  return (
    `loop      ${t.tokens} tokens: pipelined ${t.pipelinedMsPerToken.toFixed(1)} ms/token, ` +
    `waiting for the CPU ${t.plainMsPerToken.toFixed(1)} ms/token ` +
    `(${(t.pipelinedMsPerToken / t.plainMsPerToken).toFixed(2)}x the time); ` +
    `${t.ahead} tokens went ahead; same tokens: ${t.sameTokens ? 'yes' : 'NO'}`
  );
}
