/**
 * npm run inspect -- <roles|patch|dla> --model <dir|url|hf:repo> [--f16] [--json] ...
 * What the heads of a model do, on the same engine and kernels as the browser: head roles
 * from the attention maps, activation patching, direct logit attribution.
 */
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { computeHeadRoles, ROLE_NAMES, ROLE_THRESHOLD } from '../inspect/head-roles.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import { UsageError, idsArg, numberArg, parseArgs, type FlagSpec } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run inspect -- roles --model M [--ids LIST] [--seed S] [--f16] [--json]
  (every command also takes --hub-base URL)`;

const COMMON: FlagSpec = { model: 'string', f16: 'boolean', json: 'boolean', 'hub-base': 'string' };

type Args = Map<string, string | boolean>;

async function withEngine<T>(args: Args, body: (engine: Gpt2Engine) => Promise<T>): Promise<T> {
  const model = args.get('model');
  if (typeof model !== 'string') throw new UsageError('--model is required');
  const gpu = await createNodeGpuContext();
  try {
    const hubBase = args.get('hub-base');
    const files = await nodeModelFiles(model, {
      hubBase: typeof hubBase === 'string' ? hubBase : undefined,
    });
    const engine = await Gpt2Engine.load(gpu, files, { storage: args.get('f16') ? 'f16' : 'f32' });
    try {
      return await body(engine);
    } finally {
      engine.unload();
    }
  } finally {
    gpu.destroy();
  }
}

/** Token ids checked against the loaded model: in the vocabulary, within the context. */
export function checkIds(engine: Gpt2Engine, ids: readonly number[], flag: string): void {
  const { vocabSize: V, nPositions: P } = engine.config;
  if (ids.length === 0) throw new UsageError(`${flag} is empty`);
  const bad = ids.find((id) => id >= V);
  if (bad !== undefined) {
    throw new UsageError(`${flag}: token id ${bad} is outside the vocabulary (0..${V - 1})`);
  }
  if (ids.length > P) {
    throw new UsageError(`${flag} has ${ids.length} tokens; this model reads at most ${P}`);
  }
}

const fmt = (x: number) => x.toFixed(3);

async function roles(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { ...COMMON, ids: 'string', seed: 'string' });
  const idsRaw = args.get('ids');
  if (idsRaw !== undefined && args.get('seed') !== undefined) {
    throw new UsageError('--seed picks the random default input; it has no use with --ids');
  }
  const seed = numberArg(args, 'seed', 0, { integer: true, min: 0, max: 0xffffffff });
  const ids = typeof idsRaw === 'string' ? idsArg(idsRaw) : undefined;
  await withEngine(args, async (engine) => {
    if (ids) {
      checkIds(engine, ids, '--ids');
      if (ids.length < 2) throw new UsageError('--ids needs at least 2 tokens');
    }
    const r = await computeHeadRoles(engine, { ids, seed });
    if (args.get('json')) {
      process.stdout.write(JSON.stringify(r) + '\n');
      return;
    }
    process.stdout.write(
      `head roles on ${r.ids.length} tokens (a role is named at >= ${ROLE_THRESHOLD})\n`,
    );
    r.previous.forEach((row, l) =>
      row.forEach((_, h) => {
        const scores = ROLE_NAMES.map((n) => `${n} ${fmt(r[n][l][h])}`).join('  ');
        const named = ROLE_NAMES.filter((n) => r[n][l][h] >= ROLE_THRESHOLD).join(', ');
        process.stdout.write(`L${l}H${h}  ${scores}${named ? `  -> ${named}` : ''}\n`);
      }),
    );
  });
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { roles };

await runCli(USAGE, async (argv) => {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    throw new UsageError(
      name === undefined ? 'name a command' : `unknown command "${name}" (roles, patch, dla)`,
    );
  }
  await command(rest);
});
