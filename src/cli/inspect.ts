/**
 * npm run inspect -- <roles|patch|dla> --model <dir|url|hf:repo> [--f16] [--json] ...
 * What the heads of a model do, on the same engine and kernels as the browser: head roles
 * from the attention maps, activation patching, direct logit attribution.
 */
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { computeHeadRoles, ROLE_NAMES, ROLE_THRESHOLD } from '../inspect/head-roles.ts';
import { directLogitAttribution } from '../inspect/logit-attribution.ts';
import { checkPatchingRequest, runPatching } from '../inspect/patching.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import { UsageError, idsArg, numberArg, parseArgs, type FlagSpec } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run inspect -- roles --model M [--ids LIST] [--seed S] [--f16] [--json]
       npm run inspect -- patch --model M (--clean TEXT | --clean-ids LIST)
         (--corrupt TEXT | --corrupt-ids LIST) (--right TOKEN | --right-id N)
         (--wrong TOKEN | --wrong-id N) [--f16] [--json]
       npm run inspect -- dla --model M (--prompt TEXT | --ids LIST)
         (--token TOKEN | --token-id N) [--f16] [--json]
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

/** Ids from --TEXTFLAG TEXT or --IDSFLAG LIST (exactly one of them). */
function promptIds(engine: Gpt2Engine, args: Args, textFlag: string, idsFlag: string): number[] {
  const text = args.get(textFlag);
  const list = args.get(idsFlag);
  if ((text === undefined) === (list === undefined)) {
    throw new UsageError(`give exactly one of --${textFlag} and --${idsFlag}`);
  }
  const ids = typeof list === 'string' ? idsArg(list) : engine.tokenizer.encode(String(text));
  checkIds(engine, ids, typeof list === 'string' ? `--${idsFlag}` : `--${textFlag}`);
  return ids;
}

/** One token from --NAME TEXT (which must encode to exactly one token) or --NAME-id N. */
function tokenId(engine: Gpt2Engine, args: Args, name: string): number {
  const text = args.get(name);
  const id = args.get(`${name}-id`);
  if ((text === undefined) === (id === undefined)) {
    throw new UsageError(`give exactly one of --${name} and --${name}-id`);
  }
  if (typeof id === 'string') {
    const [v] = idsArg(id);
    if (id.includes(',')) throw new UsageError(`--${name}-id takes one token id, got "${id}"`);
    checkIds(engine, [v], `--${name}-id`);
    return v;
  }
  const ids = engine.tokenizer.encode(String(text));
  if (ids.length !== 1) {
    throw new UsageError(
      `--${name} ${JSON.stringify(text)} is ${ids.length} tokens (${ids.join(',')}), not one: ` +
        `give a single token (mind the leading space: " Mary") or its id with --${name}-id`,
    );
  }
  return ids[0];
}

async function patch(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    ...COMMON,
    clean: 'string',
    'clean-ids': 'string',
    corrupt: 'string',
    'corrupt-ids': 'string',
    right: 'string',
    'right-id': 'string',
    wrong: 'string',
    'wrong-id': 'string',
  });
  await withEngine(args, async (engine) => {
    const request = {
      cleanIds: promptIds(engine, args, 'clean', 'clean-ids'),
      corruptIds: promptIds(engine, args, 'corrupt', 'corrupt-ids'),
      rightId: tokenId(engine, args, 'right'),
      wrongId: tokenId(engine, args, 'wrong'),
    };
    try {
      checkPatchingRequest(engine, request);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const r = await runPatching(engine, request);
    if (args.get('json')) {
      const out: Record<string, unknown> = {
        clean_ids: request.cleanIds,
        corrupt_ids: request.corruptIds,
        right_id: request.rightId,
        wrong_id: request.wrongId,
        clean_ld: r.cleanLd,
        corrupt_ld: r.corruptLd,
        heads: r.heads,
        positions: r.positions,
      };
      if (r.undefinedReason) out.undefined_reason = r.undefinedReason;
      out.stats = r.stats;
      process.stdout.write(JSON.stringify(out) + '\n');
      return;
    }
    const say = (s: string) => process.stdout.write(s + '\n');
    say(`LD = logit(right) - logit(wrong): clean ${fmt(r.cleanLd)}, corrupted ${fmt(r.corruptLd)}`);
    if (r.undefinedReason) {
      say(`effects undefined: ${r.undefinedReason}`);
      return;
    }
    const heads = r.heads
      .flatMap((row, l) => row.map((e, h) => ({ name: `L${l}H${h}`, e: e ?? 0 })))
      .sort((a, b) => Math.abs(b.e) - Math.abs(a.e))
      .slice(0, 10);
    say('heads with the largest effect (1 = restores the clean answer):');
    for (const { name, e } of heads) say(`  ${name.padEnd(8)} ${fmt(e)}`);
    say(
      `${r.stats.forwards} forwards in ${r.stats.submits} submits, ${(r.stats.ms / 1000).toFixed(1)} s`,
    );
  });
}

async function dla(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    ...COMMON,
    prompt: 'string',
    ids: 'string',
    token: 'string',
    'token-id': 'string',
  });
  await withEngine(args, async (engine) => {
    const ids = promptIds(engine, args, 'prompt', 'ids');
    const token = tokenId(engine, args, 'token');
    const r = await directLogitAttribution(engine, ids, token);
    if (args.get('json')) {
      process.stdout.write(
        JSON.stringify({ ids, token_id: token, logit: r.logit, beta: r.beta, parts: r.parts }) +
          '\n',
      );
      return;
    }
    const say = (s: string) => process.stdout.write(s + '\n');
    say(`logit of ${JSON.stringify(engine.tokenizer.decode([token]))} (${token}): ${fmt(r.logit)}`);
    const top = [...r.parts].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, 12);
    for (const p of top) say(`  ${p.name.padEnd(14)} ${p.value >= 0 ? '+' : ''}${fmt(p.value)}`);
    say(`  ${'ln_f beta'.padEnd(14)} ${r.beta >= 0 ? '+' : ''}${fmt(r.beta)}`);
  });
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { roles, patch, dla };

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
