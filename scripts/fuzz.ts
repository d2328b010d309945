/**
 * npm run fuzz -- [--runs N] [--seed S] [--only headers|configs|loads]
 * The unit suite's property-based fuzzing at a larger scale, with a fresh seed each run
 * (printed, so a failure can be replayed with --seed). Prints one line per property: cases,
 * how many loaded vs were refused, the commonest refusals, and time; exits 1 on a failure.
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import {
  checkConfigCase,
  checkHeaderCase,
  configCases,
  headerCases,
} from '../tests/fuzz/header-cases.ts';
import { oracleRead } from '../tests/fuzz/safetensors-oracle.ts';
import { parseGpt2Config } from '../src/model/config.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    only: { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  process.stderr.write(
    'usage: npm run fuzz -- [--runs N] [--seed S] [--only headers|configs|loads]\n',
  );
  process.exit(2);
}
console.log(`fuzz: ${runs} cases per property, seed ${seed}`);

let failed = false;

async function run<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (c: T) => void | Promise<void>,
  classify: (c: T) => string,
  n = runs,
): Promise<void> {
  if (values.only && values.only !== name) return;
  const outcomes = new Map<string, number>();
  const t0 = performance.now();
  const property = fc.asyncProperty(arb, async (c) => {
    await check(c);
    const k = classify(c);
    outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  });
  try {
    await fc.assert(property, { seed, numRuns: n });
  } catch (e) {
    failed = true;
    console.log(`${name}: FAILED\n${(e as Error).message.slice(0, 4000)}`);
    return;
  }
  const ms = performance.now() - t0;
  const top = [...outcomes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `${name}: ${n} cases in ${(ms / 1000).toFixed(1)} s (${(ms / n).toFixed(2)} ms each): ${top}`,
  );
}

await run('headers', headerCases, checkHeaderCase, (c) => {
  const r = oracleRead(c.file, c.size);
  return r.ok ? 'read' : `refused (${r.why})`;
});
await run('configs', configCases, checkConfigCase, (c) => {
  try {
    parseGpt2Config(c);
    return 'read';
  } catch (e) {
    return `refused (${(e as Error).message.replace(/^config\.json:? ?/, '').slice(0, 24)}…)`;
  }
});
if (!values.only || values.only === 'loads') {
  // A GPU load costs milliseconds where a header costs microseconds: a hundredth as many.
  const { checkLoadCase, classifyLoadCase, loadCases } =
    await import('../tests/fuzz/load-cases.ts');
  const { createNodeGpuContext } = await import('../src/gpu/node-gpu.ts');
  const gpu = await createNodeGpuContext();
  const start = gpu.liveBuffers;
  await run(
    'loads',
    loadCases,
    (c) => checkLoadCase(gpu, c),
    classifyLoadCase,
    Math.max(1, Math.ceil(runs / 100)),
  );
  const end = gpu.liveBuffers;
  console.log(`loads: live GPU buffers ${start.count} before, ${end.count} after`);
  if (end.count !== start.count) failed = true;
  gpu.destroy();
}
process.exit(failed ? 1 : 0);
