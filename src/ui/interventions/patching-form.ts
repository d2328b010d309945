/**
 * The patching view's form as plain data: two prompts and two answer tokens as typed, turned
 * into the engine's request once, with a message for each field that cannot be used. Pure
 * (the tokenizer only), so the view shows token counts and mistakes as the user types.
 */
import type { PatchingRequest } from '../../inspect/patching.ts';
import type { Gpt2Tokenizer } from '../../tokenizer/gpt2-tokenizer.ts';

export interface PatchingForm {
  clean: string;
  corrupt: string;
  right: string;
  wrong: string;
}

/**
 * Indirect object identification (Wang et al., 2022): the model should name the person who
 * did not give the drink; the corrupted prompt swaps the names, so the answer swaps too.
 */
export const IOI_EXAMPLE: PatchingForm = {
  clean: 'When Mary and John went to the store, John gave a drink to',
  corrupt: 'When John and Mary went to the store, Mary gave a drink to',
  right: ' Mary',
  wrong: ' John',
};

export const EMPTY_FORM: PatchingForm = { clean: '', corrupt: '', right: '', wrong: '' };

export interface CheckedForm {
  cleanIds: number[];
  corruptIds: number[];
  /** null when the field is not exactly one token. */
  rightId: number | null;
  wrongId: number | null;
  /** One message per field that cannot be used (absent: fine). */
  problems: Partial<Record<keyof PatchingForm | 'lengths', string>>;
  /** The request, when every field can be used. */
  request: PatchingRequest | null;
}

function answerId(
  tokenizer: Gpt2Tokenizer,
  text: string,
  which: 'right' | 'wrong',
): { id: number | null; problem?: string } {
  if (text === '')
    return { id: null, problem: `Give the ${which} answer: one token, such as " Mary".` };
  const ids = tokenizer.encode(text);
  if (ids.length === 1) return { id: ids[0] };
  return {
    id: null,
    problem:
      `${JSON.stringify(text)} is ${ids.length} tokens, not one: give a single token ` +
      `(mind the leading space: " Mary" is one token, "Mary " is two).`,
  };
}

/** Tokenizes the form and says what stops it from running on a model of `nPositions`. */
export function checkPatchingForm(
  form: PatchingForm,
  tokenizer: Gpt2Tokenizer,
  nPositions: number,
): CheckedForm {
  const cleanIds = tokenizer.encode(form.clean);
  const corruptIds = tokenizer.encode(form.corrupt);
  const problems: CheckedForm['problems'] = {};
  if (cleanIds.length === 0) problems.clean = 'Type the clean prompt.';
  else if (cleanIds.length > nPositions) {
    problems.clean = `The clean prompt has ${cleanIds.length} tokens; this model reads at most ${nPositions}.`;
  }
  if (corruptIds.length === 0) problems.corrupt = 'Type the corrupted prompt.';
  else if (corruptIds.length > nPositions) {
    problems.corrupt = `The corrupted prompt has ${corruptIds.length} tokens; this model reads at most ${nPositions}.`;
  }
  if (cleanIds.length && corruptIds.length && cleanIds.length !== corruptIds.length) {
    problems.lengths =
      `The clean prompt has ${cleanIds.length} tokens and the corrupted one ` +
      `${corruptIds.length}: patching swaps activations position by position, so they must ` +
      'have the same number of tokens. Change words for words of the same token length.';
  }
  const right = answerId(tokenizer, form.right, 'right');
  const wrong = answerId(tokenizer, form.wrong, 'wrong');
  if (right.problem) problems.right = right.problem;
  if (wrong.problem) problems.wrong = wrong.problem;
  if (!problems.right && !problems.wrong && right.id === wrong.id) {
    problems.wrong = 'The wrong answer is the right one: the logit difference would always be 0.';
  }
  const ok = Object.keys(problems).length === 0;
  return {
    cleanIds,
    corruptIds,
    rightId: right.id,
    wrongId: wrong.id,
    problems,
    request: ok ? { cleanIds, corruptIds, rightId: right.id!, wrongId: wrong.id! } : null,
  };
}
