// Times each kernel of one forward pass in its own submit (wall clock): where a step's time goes.
import { createNodeGpuContext } from '../src/gpu/node-gpu.ts';
import { Gpt2Engine } from '../src/generation/gpt2-engine.ts';
import { nodeModelFiles } from '../src/model/sources/node-dir-files.ts';

const dir = process.argv[2];
const T = Number(process.argv[3] ?? 1);
const gpu = await createNodeGpuContext();
const engine = await Gpt2Engine.load(gpu, await nodeModelFiles(dir), { storage: 'f32' });
const ids = Array.from({ length: T }, (_, i) => (i * 7919) % 50000);
await engine.model.forward(ids, 0, 1);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const m = engine.model as any;
const { nEmbd: C, nHead: NH, vocabSize: V, nInner, layerNormEpsilon: eps } = engine.config;
async function time(name: string, f: (p: GPUComputePassEncoder) => void) {
  const t0 = performance.now();
  const e = gpu.device.createCommandEncoder();
  const p = e.beginComputePass();
  f(p);
  p.end();
  gpu.device.queue.submit([e.finish()]);
  await gpu.device.queue.onSubmittedWorkDone();
  console.log(`${name.padEnd(12)} ${(performance.now() - t0).toFixed(1)} ms`);
}
const L = m.layers[0];
const pos0 = 0;
await time('noop', () => {});
await time('embedding', (p) => m.embedding.encode(p, { T, C, pos0 }));
await time('ln1', (p) => L.ln1.encode(p, { rows: T, C, first_row: 0, eps }));
await time('qkv', (p) => L.qkv.encode(p, { T, K: C, N: 3 * C }));
await time('kvWrite', (p) => L.kvWrite.encode(p, { T, C, pos0 }));
await time('attention', (p) => L.attention.encode(p, { T, pos0, C, NH }));
await time('attnProj', (p) => L.attnProj.encode(p, { T, K: C, N: C }));
await time('fc', (p) => L.fc.encode(p, { T, K: C, N: nInner }));
await time('fcProj', (p) => L.fcProj.encode(p, { T, K: nInner, N: C }));
await time('lnF', (p) => m.lnF.encode(p, { rows: 1, C, first_row: T - 1, eps }));
await time('head', (p) => m.head.encode(p, { C, V }));
await time('topk', (p) => m.topk.encode(p, { V }));
await time('logsumexp', (p) => m.logsumexp.encode(p, { V, inv_temperature: 1 }));
engine.unload();
gpu.destroy();
