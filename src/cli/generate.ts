/**
 * npm run generate -- --model <dir|url|hf:repo> (--prompt TEXT | --ids 1,2,3) [--max-tokens N]
 *   [--temperature T] [--top-k K] [--top-p P] [--seed S] [--f16] [--json] [--logits]
 *   [--ablate L.H,L.H [--ablate-mode zero|mean|scale:S]] [--decode-kernels v1|v2] [--no-pipeline]
 * Runs the same engine and kernels as the browser, on Dawn (a GPU, or SwiftShader without one).
 * --no-pipeline waits for each token's readback before queuing the next step (the same
 * tokens; for timing the difference). Without --decode-kernels, GPT2_DECODE_KERNELS=v1|v2 in the environment picks them (for
 * callers that cannot add a flag, as the conformance check); else the engine's default.
 */
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import type { TokenStep } from '../generation/generate.ts';
import { applyHeadAblation } from '../inspect/interventions.ts';
import { checkHeadAblation } from '../model/head-ablation.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { UsageError } from './args.ts';
import { GENERATE_USAGE, parseGenerateArgs } from './generate-args.ts';
import { runCli } from './run-cli.ts';

await runCli(GENERATE_USAGE, async (argv) => {
  const {
    model,
    prompt,
    ids: givenIds,
    maxTokens,
    settings,
    f16,
    json,
    logits: wantLogits,
    hubBase,
    ablation,
    decodeKernels,
    pipeline,
  } = parseGenerateArgs(argv, process.env);

  const gpu = await createNodeGpuContext();
  try {
    const files = await nodeModelFiles(model, { hubBase });
    const engine = await Gpt2Engine.load(gpu, files, {
      storage: f16 ? 'f16' : 'f32',
      decodeKernels,
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
    });
    if (ablation) {
      try {
        checkHeadAblation(ablation, engine.config);
      } catch (e) {
        throw new UsageError(`--ablate: ${(e as Error).message}`);
      }
    }
    const hook = applyHeadAblation(engine, ablation);
    const tokenizer = engine.tokenizer;
    let promptIds = givenIds ?? tokenizer.encode(prompt as string);
    // GPT-2 needs one token to start from; an empty prompt starts at <|endoftext|>, as
    // the model saw at document boundaries in training.
    if (promptIds.length === 0) promptIds = [Gpt2Tokenizer.EOT];
    const V = engine.config.vocabSize;
    const bad = promptIds.find((id) => id >= V);
    if (bad !== undefined)
      throw new UsageError(`token id ${bad} is outside the vocabulary (0..${V - 1})`);

    const logits = wantLogits ? await engine.logitsAfter(promptIds) : null;
    const steps: TokenStep[] = [];
    const run = engine.generate({
      contextIds: promptIds,
      maxNewTokens: maxTokens,
      settings: () => settings,
      pipeline,
    });
    let end;
    for (;;) {
      const r = await run.next();
      if (r.done) {
        end = r.value;
        break;
      }
      steps.push(r.value);
      if (!json) process.stdout.write(r.value.text);
    }
    if (json) {
      const out: Record<string, unknown> = {
        prompt_ids: promptIds,
        ids: steps.map((s) => s.id),
        text: steps.map((s) => s.text).join('') + end.rest,
        stop: end.reason,
        probs: steps.map((s) => s.prob),
        ms_per_token: steps.length
          ? steps.reduce((a, s) => a + s.timings.totalMs, 0) / steps.length
          : 0,
        // Tokens after which the GPU went on to the next without waiting (pipelined decode).
        pipelined_tokens: steps.filter((s) => s.pipeline.ahead).length,
      };
      out.decode_kernels = engine.model.decodeKernels;
      if (ablation) out.ablation = ablation;
      if (logits) out.logits = Array.from(logits);
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      process.stdout.write(end.rest + '\n');
      if (end.reason === 'context_full') {
        process.stderr.write(
          `stopped: the context of ${engine.config.nPositions} tokens is full\n`,
        );
      }
    }
    hook?.destroy();
    engine.unload();
  } finally {
    gpu.destroy();
  }
});
