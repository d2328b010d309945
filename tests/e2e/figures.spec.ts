import type { Locator, Page } from '@playwright/test';
import { BUNDLED, chips, generateButton, openReady, waitForMaxTokens } from './app.ts';
import { expect, snap, test } from './fixtures.ts';

// The live figures' per-kernel breakdown, from timestamp queries (SwiftShader has them), and
// the output's chips selecting tokens in the inspector. Runs stay a few tokens long.

const PROMPT = 'The quick brown fox'; // 4 tokens
const NEW_TOKENS = 4;
const OPEN = `${BUNDLED}&max_tokens=${NEW_TOKENS}&temperature=0&prompt=${encodeURIComponent(PROMPT)}`;

/** The kinds of kernel the engine times (Gpt2Model's forward). */
const DECODE_KINDS = [
  'attention',
  'embedding',
  'kv_write',
  'layernorm',
  'lm_head',
  'logsumexp',
  'matvec',
  // The GPU's pick of the next token (pipelined decode): a kernel of its own with v1.
  'sample',
  'topk',
];
const PREFILL_KINDS = DECODE_KINDS.map((k) => (k === 'matvec' ? 'matmul' : k));

function kernelTimes(page: Page): Locator {
  return page.locator('kernel-times');
}

/** A time as formatMs shows it, with the rounding it may carry. */
function parseMs(text: string): { ms: number; tolerance: number } {
  const m = /^([\d.]+) (ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`not a time: "${text}"`);
  const value = Number(m[1]);
  const decimals = m[1].split('.')[1]?.length ?? 0;
  const scale = m[2] === 's' ? 1000 : 1;
  return { ms: value * scale, tolerance: 0.5 * 10 ** -decimals * scale };
}

/** The rows on screen: kind, ms and the rounding of each. */
async function rows(panel: Locator): Promise<{ kind: string; ms: number; tolerance: number }[]> {
  const items = panel.getByTestId('kernel-times').getByRole('listitem');
  const raw = await items.evaluateAll((els) =>
    els.map((el) => ({
      kind: (el as HTMLElement).dataset.kind ?? '',
      ms: el.querySelector('.ms')?.textContent ?? '',
    })),
  );
  return raw.map((r) => ({ kind: r.kind, ...parseMs(r.ms) }));
}

/** The kernels' times add up to the GPU total shown, within their rounding. */
async function expectSumIsTotal(panel: Locator): Promise<number> {
  const list = await rows(panel);
  const total = parseMs(await panel.getByTestId('kernel-gpu-total').innerText());
  const sum = list.reduce((s, r) => s + r.ms, 0);
  const slack = list.reduce((s, r) => s + r.tolerance, total.tolerance) + 1e-9;
  expect(Math.abs(sum - total.ms), `sum ${sum} vs total ${total.ms}`).toBeLessThanOrEqual(slack);
  // Slowest first.
  for (let i = 1; i < list.length; i++) {
    expect(list[i].ms).toBeLessThanOrEqual(list[i - 1].ms + list[i].tolerance * 2);
  }
  return total.ms;
}

test('the live figures break a step’s GPU time down by kernel, and the switch turns it off', async ({
  page,
}, info) => {
  await openReady(page, OPEN);
  const panel = kernelTimes(page);
  const toggle = panel.getByRole('checkbox', { name: 'Time each kernel (GPU timestamps)' });
  // SwiftShader has timestamp-query: the switch is offered, and on.
  await expect(toggle).toBeEnabled();
  await expect(toggle).toBeChecked();
  await generateButton(page).click();
  await waitForMaxTokens(page);

  // Pipelined decode: the GPU went on after every token but the last.
  await expect(page.getByTestId('fig-pipeline')).toHaveText(
    new RegExp(`^\\s*${NEW_TOKENS - 1}\\s+of ${NEW_TOKENS} tokens\\s*$`),
  );
  // The mean decode step: every kind of kernel a decode step runs, with its time.
  await expect(panel.getByRole('radio', { name: 'Per decode step' })).toBeChecked();
  await expect(panel.getByTestId('kernel-scope')).toContainText(
    `the mean of ${NEW_TOKENS - 1} decode steps`,
  );
  const decode = await rows(panel);
  expect(decode.map((r) => r.kind).sort()).toEqual(DECODE_KINDS);
  expect(decode.find((r) => r.kind === 'matvec')!.ms).toBeGreaterThan(0);
  const decodeTotal = await expectSumIsTotal(panel);
  const wall = parseMs(await panel.getByTestId('kernel-wall').innerText());
  expect(wall.ms).toBeGreaterThan(0);
  // What a kernel is, on hover.
  await panel.locator('li[data-kind="lm_head"]').hover();
  await expect(panel.getByTestId('kernel-describe')).toContainText('LM head');
  await expect(panel.locator('li[data-kind="matvec"]')).toHaveAttribute('title', /matrix × vector/);
  await panel.locator('li[data-kind="sample"]').hover();
  await expect(panel.getByTestId('kernel-describe')).toContainText('own pick of the next token');
  // The figures seen, kept beside the screenshots.
  await info.attach('kernel-times-decode.txt', {
    contentType: 'text/plain',
    body: `mean of ${NEW_TOKENS - 1} decode steps: GPU ${decodeTotal} ms, wall ${wall.ms} ms\n${decode
      .map((r) => `${r.kind} ${r.ms} ms`)
      .join('\n')}`,
  });
  await snap(page, info, 'figures-kernels-decode');

  // The prefill step over the prompt: matmul instead of matvec.
  await panel.getByRole('radio', { name: 'Prefill' }).check();
  await expect(panel.getByTestId('kernel-scope')).toContainText('the prefill step over 4 tokens');
  const prefill = await rows(panel);
  expect(prefill.map((r) => r.kind).sort()).toEqual(PREFILL_KINDS);
  const prefillTotal = await expectSumIsTotal(panel);
  await info.attach('kernel-times-prefill.txt', {
    contentType: 'text/plain',
    body: `prefill over 4 tokens: GPU ${prefillTotal} ms\n${prefill
      .map((r) => `${r.kind} ${r.ms} ms`)
      .join('\n')}`,
  });
  // Keyboard: the switch and the rows are reachable and tell what they are.
  await panel.getByRole('radio', { name: 'Prefill' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(panel.getByRole('radio', { name: 'Per decode step' })).toBeChecked();
  await panel.locator('li[data-kind="attention"]').focus();
  await expect(panel.getByTestId('kernel-describe')).toContainText('causal attention');

  // Dark theme in a narrow window: nothing sticks out sideways.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 420, height: 900 });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
    .toBeLessThanOrEqual(420);
  await panel.scrollIntoViewIfNeeded();
  await snap(page, info, 'figures-kernels-narrow-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 720 });

  // Switched off: the next run has no breakdown.
  await toggle.uncheck();
  await expect(toggle).not.toBeChecked();
  await generateButton(page).click();
  await waitForMaxTokens(page);
  await expect(panel.getByTestId('kernel-times')).toHaveCount(0);
  await expect(panel).toContainText('Switched off');
  await expect(page.getByTestId('fig-ttft')).not.toHaveText('–');
});

test('clicking an output chip selects its token in the inspector and keeps its popover', async ({
  page,
}) => {
  await openReady(page, OPEN);
  await generateButton(page).click();
  await waitForMaxTokens(page);
  const attends = page.locator('attention-panel').getByTestId('attends-to');
  // Chip 1 is the output's second token: position 4 + 1 of the context.
  await chips(page).nth(1).click();
  await expect(page.getByTestId('token-popover')).toBeVisible();
  await expect(attends).toBeVisible();
  await expect(page.locator('attention-panel h3').filter({ hasText: 'attends to' })).toContainText(
    '#5',
  );
  // From the keyboard: Enter on chip 0 (position 4) selects it too.
  await chips(page).nth(0).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('attention-panel h3').filter({ hasText: 'attends to' })).toContainText(
    '#4',
  );
  // The last token has not been through the model (no attention row): the selection stays.
  await chips(page).last().click();
  await expect(page.getByTestId('token-popover')).toBeVisible();
  await expect(page.locator('attention-panel h3').filter({ hasText: 'attends to' })).toContainText(
    '#4',
  );
});
