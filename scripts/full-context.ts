/**
 * npm run full-context -- [--model DIR] [--layer L] [--every N]
 * One run from a single token to the full context (the bundled model: 256 positions) with
 * the attention view open: after every token the maps of every head of one layer are read
 * back, as the attention grid does. Prints the time per token at points along the way,
 * split into the forward pass and the attention view, then how the run ended. Figures are
 * reported, not asserted: on SwiftShader compare them with each other, not with a GPU.
 */
import { parseArgs } from 'node:util';
import { Gpt2Engine } from '../src/generation/gpt2-engine.ts';
import { parseSamplingSettings } from '../src/generation/sampling-settings.ts';
import { createNodeGpuContext } from '../src/gpu/node-gpu.ts';
import { openModelDir } from '../src/model/sources/node-dir-files.ts';
import { Gpt2Tokenizer } from '../src/tokenizer/gpt2-tokenizer.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'weights/tiny-trained' },
    layer: { type: 'string', default: '0' },
    every: { type: 'string', default: '32' },
  },
});
const layer = Number(values.layer);
const every = Number(values.every);

const gpu = await createNodeGpuContext();
const engine = await Gpt2Engine.load(gpu, await openModelDir(values.model), { storage: 'f32' });
const { nPositions: P, nHead: NH, nLayer } = engine.config;
if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer || !(every >= 1)) {
  process.stderr.write(`usage: --layer 0..${nLayer - 1}, --every N >= 1\n`);
  process.exit(2);
}
console.log(
  `${engine.source}: ${P} positions, attention view of layer ${layer} (${NH} heads) open`,
);
console.log('tokens  forward ms  attention ms  total ms  attention share');

const settings = parseSamplingSettings({ temperature: 0.8, topK: 40, seed: 1 });
const gen = engine.generate({
  contextIds: [Gpt2Tokenizer.EOT],
  maxNewTokens: P + 1, // more than fit: the run must end by filling the context
  settings: () => settings,
  stopAtEndOfText: false,
});
let window = { forward: 0, attention: 0, n: 0 };
let end;
for (;;) {
  const r = await gen.next();
  if (r.done) {
    end = r.value;
    break;
  }
  const t0 = performance.now();
  for (let h = 0; h < NH; h++) await engine.attention(layer, h);
  const attentionMs = performance.now() - t0;
  window.forward += r.value.timings.totalMs;
  window.attention += attentionMs;
  window.n++;
  const tokens = r.value.position + 1;
  if (tokens === 2 || tokens % every === 0 || tokens >= P) {
    const f = window.forward / window.n;
    const a = window.attention / window.n;
    console.log(
      `${String(tokens).padStart(6)}  ${f.toFixed(1).padStart(10)}  ${a.toFixed(1).padStart(12)}  ` +
        `${(f + a).toFixed(1).padStart(8)}  ${((100 * a) / (f + a)).toFixed(0).padStart(14)}%`,
    );
    window = { forward: 0, attention: 0, n: 0 };
  }
}
console.log(
  end.reason === 'context_full'
    ? `ended: the context of ${P} tokens is full (${end.length} tokens), as it should`
    : `ended: ${end.reason} after ${end.length} tokens, before the context was full`,
);
engine.unload();
gpu.destroy();
process.exit(end.reason === 'context_full' ? 0 : 1);
