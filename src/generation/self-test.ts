/**
 * Self-test: run a model on this GPU and compare it with reference values computed by an
 * independent implementation (for the bundled model: `weights/tiny-trained/reference.json`,
 * a float64 PyTorch forward of the saved weights). It tells a broken GPU path (a driver that
 * miscompiles a kernel, a precision problem) from a prompt that merely gives odd text.
 *
 * Per reference prompt it checks, as the conformance check does:
 * - the logits at the last prompt position (a prefill: the tiled matmul kernels) within
 *   `relTol` of the reference's logit range: max |gpu - ref| / (max(ref) - min(ref));
 * - the greedy continuation (decode steps through the KV cache: the matvec kernels) equal to
 *   the reference's ids, except after a near-tie: a step whose top-two logit gap is below
 *   `tieMargin`, where a legitimate float difference may pick the other token.
 *
 * DOM-free and GPU-object-free: it talks to an engine through the few methods it needs.
 */
import type { WeightStorage } from '../model/weights.ts';
import type { GenerationEnd, GenerationRequest, TokenStep } from './generate.ts';
import type { SamplingSettings } from './sampling-settings.ts';

/** One prompt of a reference file, with its expected outputs. */
export interface SelfTestPrompt {
  text: string;
  ids: number[];
  /** Logits at the last prompt position over the whole vocabulary. */
  logitsLast: Float64Array;
  /** The greedy (argmax) continuation, recomputed from scratch each step by the reference. */
  greedy: number[];
  /** Gap between the two largest logits at the last prompt position, when the file has it. */
  top1Margin: number | null;
}

export interface SelfTestReference {
  description: string;
  prompts: SelfTestPrompt[];
}

/** The reference file is not in the expected format: names the field and what was wrong. */
export class ReferenceFormatError extends Error {
  override name = 'ReferenceFormatError';
}

/**
 * Checks and converts a parsed reference file: `{prompts: [{text, ids, logits_last, greedy,
 * top1_margin?}], description?}`. With `vocabSize`, ids and the logits' length are checked
 * against the model. Throws ReferenceFormatError naming the first problem.
 */
export function parseSelfTestReference(json: unknown, vocabSize?: number): SelfTestReference {
  const fail = (where: string, what: string): never => {
    throw new ReferenceFormatError(`reference file: ${where} ${what}`);
  };
  if (!isRecord(json)) return fail('the file', 'is not a JSON object');
  if (!Array.isArray(json.prompts) || json.prompts.length === 0) {
    return fail('"prompts"', 'must be a non-empty array');
  }
  const isId = (x: unknown) =>
    typeof x === 'number' &&
    Number.isInteger(x) &&
    x >= 0 &&
    (vocabSize === undefined || x < vocabSize);
  const prompts = json.prompts.map((p: unknown, i: number): SelfTestPrompt => {
    const at = `prompts[${i}]`;
    if (!isRecord(p)) return fail(at, 'is not an object');
    const { text, ids, logits_last: logits, greedy, top1_margin: margin } = p;
    if (text !== undefined && typeof text !== 'string') fail(`${at}.text`, 'must be a string');
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every(isId)) {
      fail(`${at}.ids`, 'must be a non-empty array of token ids in the vocabulary');
    }
    if (!Array.isArray(logits) || logits.length < 2) {
      return fail(`${at}.logits_last`, 'must be an array of logits');
    }
    if (vocabSize !== undefined && logits.length !== vocabSize) {
      fail(`${at}.logits_last`, `has ${logits.length} values, the model's vocabulary ${vocabSize}`);
    }
    const logitsLast = new Float64Array(logits.length);
    logits.forEach((v: unknown, j: number) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        fail(`${at}.logits_last[${j}]`, 'is not a finite number');
      }
      logitsLast[j] = v as number;
    });
    if (!Array.isArray(greedy) || !greedy.every(isId)) {
      fail(`${at}.greedy`, 'must be an array of token ids in the vocabulary');
    }
    if (margin !== undefined && (typeof margin !== 'number' || !(margin >= 0))) {
      fail(`${at}.top1_margin`, 'must be a number >= 0');
    }
    return {
      text: typeof text === 'string' ? text : '',
      ids: [...(ids as number[])],
      logitsLast,
      greedy: [...(greedy as number[])],
      top1Margin: typeof margin === 'number' ? margin : null,
    };
  });
  const description = typeof json.description === 'string' ? json.description : '';
  return { description, prompts };
}

/** Tolerances per weight storage: f16 storage rounds every weight, so it is allowed more. */
export const SELF_TEST_REL_TOL: Readonly<Record<WeightStorage, number>> = {
  f32: 1e-3,
  f16: 2e-2,
};

/** What the self-test needs of an engine (Gpt2Engine has all of it). */
export interface SelfTestEngine {
  readonly storage: WeightStorage;
  readonly config: { readonly vocabSize: number; readonly nPositions: number };
  logitsAfter(ids: readonly number[]): Promise<Float32Array>;
  generate(request: GenerationRequest): AsyncGenerator<TokenStep, GenerationEnd>;
}

export interface SelfTestOptions {
  /** Max |gpu - ref| / logit range (default: SELF_TEST_REL_TOL for the engine's storage). */
  relTol?: number;
  /**
   * A top-two gap below this is a near-tie after which greedy ids may differ. Default:
   * 2 * relTol * the prompt's logit range (the most two logits may move within tolerance).
   */
  tieMargin?: number;
  /** Check at most this many greedy steps per prompt (default: all the reference has). */
  maxGreedySteps?: number;
  signal?: AbortSignal;
  /** Told before each prompt (index from 0). */
  onProgress?: (info: { prompt: number; prompts: number; text: string }) => void;
}

export interface SelfTestPromptResult {
  text: string;
  /** Prompt length in tokens. */
  tokens: number;
  /** max |gpu - ref| over the vocabulary at the last prompt position. */
  maxAbsError: number;
  /** The token where that error is largest. */
  worstId: number;
  /** max(ref) - min(ref). */
  logitRange: number;
  /** maxAbsError / logitRange: compared with relTol. */
  relError: number;
  logitsOk: boolean;
  greedyExpected: number[];
  /** What this GPU chose (up to and including the first differing token). */
  greedyGot: number[];
  /** Leading greedy ids that agree. */
  agreeSteps: number;
  /** The near-tie that excuses a divergence (step index and gap), or null. */
  tie: { step: number; margin: number } | null;
  tieMargin: number;
  greedyOk: boolean;
  pass: boolean;
  /** What failed, one sentence each (empty when it passed). */
  problems: string[];
  ms: number;
}

export interface SelfTestReport {
  pass: boolean;
  storage: WeightStorage;
  relTol: number;
  /** The largest relative logit error over the prompts. */
  worstRelError: number;
  passed: number;
  prompts: SelfTestPromptResult[];
}

const GREEDY: SamplingSettings = { temperature: 0, topK: 0, topP: 1, seed: 0 };

/** Runs every prompt of `reference` on `engine` and compares (see the file comment). */
export async function runSelfTest(
  engine: SelfTestEngine,
  reference: SelfTestReference,
  options: SelfTestOptions = {},
): Promise<SelfTestReport> {
  const relTol = options.relTol ?? SELF_TEST_REL_TOL[engine.storage];
  const V = engine.config.vocabSize;
  const results: SelfTestPromptResult[] = [];
  for (const [i, prompt] of reference.prompts.entries()) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ prompt: i, prompts: reference.prompts.length, text: prompt.text });
    if (prompt.logitsLast.length !== V) {
      throw new ReferenceFormatError(
        `reference file: prompts[${i}].logits_last has ${prompt.logitsLast.length} values, ` +
          `but the model's vocabulary has ${V}: the reference is for another model`,
      );
    }
    results.push(await checkPrompt(engine, prompt, relTol, options));
  }
  const passed = results.filter((r) => r.pass).length;
  return {
    pass: passed === results.length,
    storage: engine.storage,
    relTol,
    worstRelError: Math.max(0, ...results.map((r) => r.relError)),
    passed,
    prompts: results,
  };
}

async function checkPrompt(
  engine: SelfTestEngine,
  prompt: SelfTestPrompt,
  relTol: number,
  options: SelfTestOptions,
): Promise<SelfTestPromptResult> {
  const t0 = performance.now();
  const problems: string[] = [];
  const ref = prompt.logitsLast;

  // 1. Prefill logits against the reference.
  const logits = await engine.logitsAfter(prompt.ids);
  const cmp = compareLogits(logits, ref);
  const logitsOk = cmp.relError <= relTol; // NaN fails
  if (!logitsOk) {
    problems.push(
      `logits differ from the reference by ${formatRel(cmp.relError)} of their range ` +
        `(allowed ${formatRel(relTol)}), most at token ${cmp.worstId}`,
    );
  }

  // 2. Greedy decoding through the KV cache, with this GPU's top-two gap at each step.
  const tieMargin = options.tieMargin ?? 2 * relTol * cmp.range;
  const steps = Math.min(
    prompt.greedy.length,
    options.maxGreedySteps ?? Infinity,
    engine.config.nPositions - prompt.ids.length,
  );
  const expected = prompt.greedy.slice(0, steps);
  const got: number[] = [];
  const margins: number[] = [];
  if (steps > 0) {
    const run = engine.generate({
      contextIds: prompt.ids,
      maxNewTokens: steps,
      settings: () => GREEDY,
      signal: options.signal,
      stopAtEndOfText: false,
    });
    try {
      for await (const step of run) {
        got.push(step.id);
        const [a, b] = step.candidates;
        margins.push(a && b ? a.logit - b.logit : Infinity);
        if (step.id !== expected[got.length - 1]) break; // the rest would follow another text
      }
    } finally {
      await run.return(undefined as never).catch(() => undefined);
    }
  }
  options.signal?.throwIfAborted();
  let agree = 0;
  while (agree < expected.length && got[agree] === expected[agree]) agree++;
  let tie: SelfTestPromptResult['tie'] = null;
  let greedyOk = agree === expected.length;
  if (!greedyOk) {
    // A near-tie at or before the first difference, on this GPU or in the reference.
    for (let s = 0; s <= agree && !tie; s++) {
      const ours = margins[s] ?? Infinity;
      const theirs = s === 0 ? (prompt.top1Margin ?? Infinity) : Infinity;
      const m = Math.min(ours, theirs);
      if (m < tieMargin) tie = { step: s, margin: m };
    }
    greedyOk = tie !== null && got.length > agree;
    if (got.length <= agree) {
      problems.push(`only ${got.length} of ${expected.length} greedy tokens were generated`);
    } else if (!tie) {
      problems.push(
        `greedy tokens differ at step ${agree}: got ${got[agree]}, want ${expected[agree]} ` +
          `(no near-tie before it)`,
      );
    }
  }
  return {
    text: prompt.text,
    tokens: prompt.ids.length,
    maxAbsError: cmp.maxAbsError,
    worstId: cmp.worstId,
    logitRange: cmp.range,
    relError: cmp.relError,
    logitsOk,
    greedyExpected: expected,
    greedyGot: got,
    agreeSteps: agree,
    tie,
    tieMargin,
    greedyOk,
    pass: logitsOk && greedyOk,
    problems,
    ms: performance.now() - t0,
  };
}

/** max |a - ref|, where, the reference's range and their ratio (NaN or Inf count as Infinity). */
export function compareLogits(
  actual: ArrayLike<number>,
  ref: ArrayLike<number>,
): { maxAbsError: number; worstId: number; range: number; relError: number } {
  if (actual.length !== ref.length) {
    throw new RangeError(
      `compareLogits: ${actual.length} logits vs ${ref.length} in the reference`,
    );
  }
  let maxAbsError = 0;
  let worstId = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    lo = Math.min(lo, ref[i]);
    hi = Math.max(hi, ref[i]);
    const e = Math.abs(actual[i] - ref[i]);
    if (!(e <= maxAbsError)) {
      maxAbsError = Number.isFinite(e) ? e : Infinity;
      worstId = i;
    }
  }
  const range = hi - lo;
  const relError = range > 0 ? maxAbsError / range : maxAbsError === 0 ? 0 : Infinity;
  return { maxAbsError, worstId, range, relError };
}

function formatRel(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
