import { mkdirSync, readFileSync } from 'node:fs';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { BUNDLED, chips, cliGenerate, generateButton, openReady, waitForMaxTokens } from './app.ts';
import { expect, test } from './fixtures.ts';

// Head ablation in the playground, on the bundled model (4 layers x 4 heads), checked against
// the engine's CLI in Node on the same weights (f16, as the page loads them).

const PROMPT = 'The quick brown fox';

test.use({ viewport: { width: 1280, height: 1800 } });
// Each test also runs the CLI in Node a few times (about 15 s each here).
test.setTimeout(360_000);

interface Pair {
  id: number;
  original: number;
  intervened: number;
}
interface Comparison {
  original: Pair[];
  intervened: Pair[];
  kl: number;
}

function panel(page: Page): Locator {
  return page.locator('intervention-panel');
}

async function comparison(page: Page): Promise<Comparison | null> {
  return panel(page).evaluate((el) => {
    const c = (el as HTMLElementTagNameMap['intervention-panel']).currentComparison;
    return c ? JSON.parse(JSON.stringify(c)) : null;
  });
}

/** Waits until the comparison on screen is done (no "Computing…") and returns it. */
async function settledComparison(page: Page): Promise<Comparison> {
  await expect(page.getByTestId('next-intervened').locator('li').first()).toBeVisible();
  await expect(page.getByTestId('compare-status')).toBeHidden();
  return (await comparison(page))!;
}

/**
 * The engine's CLI on the same prompt: its greedy text and the model's probabilities after
 * the prompt (softmax of its --logits, f64).
 */
function cliRun(
  prompt: string,
  tokens: number,
  extra: string[],
): { ids: number[]; text: string; probs: number[] } {
  const out = cliGenerate([
    '--prompt',
    prompt,
    '--max-tokens',
    String(tokens),
    '--temperature',
    '0',
    '--f16',
    '--logits',
    ...extra,
  ]) as unknown as { ids: number[]; text: string; logits: number[] };
  const max = Math.max(...out.logits);
  const e = out.logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return { ids: out.ids, text: out.text, probs: e.map((x) => x / sum) };
}

function klOf(p: number[], q: number[]): number {
  let kl = 0;
  for (let v = 0; v < p.length; v++) if (p[v] > 0) kl += p[v] * Math.log(p[v] / q[v]);
  return kl;
}

test('ablate L0H0: the next token changes as the CLI says, generation uses it, tokens record it, the head picker, the grids, the link and the export show it', async ({
  page,
}, info) => {
  await openReady(
    page,
    `${BUNDLED}&max_tokens=3&temperature=0&prompt=${encodeURIComponent(PROMPT)}`,
  );
  await expect(panel(page).getByTestId('ablated-heads')).toHaveText(/none/);

  // Before any text the inspector has no head picker: the Interventions panel ablates.
  await panel(page).getByTestId('ablate-layer').selectOption('0');
  await panel(page).getByTestId('ablate-head').selectOption('0');
  await panel(page).getByTestId('ablate-add').click();
  await expect(panel(page).getByTestId('ablated-heads')).toHaveText(/L0H0/);
  await expect(page).toHaveURL(/[?&]ablate=0\.0(&|$)/);
  await expect(page).toHaveURL(/[?&]ablate_mode=zero(&|$)/);

  // With and without, side by side: the same numbers as the CLI's logits with --ablate 0.0.
  const zero = await settledComparison(page);
  const plain = cliRun(PROMPT, 1, []).probs;
  const ablated = cliRun(PROMPT, 1, ['--ablate', '0.0']).probs;
  expect(zero.kl).toBeGreaterThan(1e-3);
  expect(Math.abs(zero.kl - klOf(plain, ablated))).toBeLessThan(2e-3 + 0.02 * zero.kl);
  for (const t of [...zero.original, ...zero.intervened]) {
    expect(Math.abs(t.original - plain[t.id]), `original p(${t.id})`).toBeLessThan(2e-3);
    expect(Math.abs(t.intervened - ablated[t.id]), `ablated p(${t.id})`).toBeLessThan(2e-3);
  }
  // The distribution changed: some top token's probability moved well beyond the tolerance.
  expect(
    Math.max(...zero.original.map((t) => Math.abs(t.original - t.intervened))),
  ).toBeGreaterThan(0.01);
  await expect(page.getByTestId('kl-divergence')).toContainText('nats');
  await expect(page.getByTestId('next-original').locator('li')).toHaveCount(10);
  await expect(page.getByTestId('next-intervened').locator('h3')).toHaveText('With L0H0 zeroed');

  // Scale: a factor that is not a number is refused with the reason, nothing else changes.
  await panel(page).getByRole('radio', { name: 'Scale' }).check();
  const factor = page.getByTestId('ablate-scale');
  await factor.fill('abc');
  await expect(panel(page).getByRole('alert')).toHaveText(/finite number/);
  await expect(factor).toHaveAttribute('aria-invalid', 'true');
  await factor.fill('0.5');
  await expect(factor).toHaveAttribute('aria-invalid', 'false');
  await expect(page).toHaveURL(/[?&]ablate_mode=scale%3A0\.5(&|$)/);
  await expect(page.getByTestId('next-intervened').locator('h3')).toHaveText(
    'With L0H0 scaled ×0.5',
  );
  const half = await settledComparison(page);
  const cli = cliRun(PROMPT, 3, ['--ablate', '0.0', '--ablate-mode', 'scale:0.5']);
  const halfCli = cli.probs;
  expect(Math.abs(half.kl - klOf(plain, halfCli))).toBeLessThan(2e-3 + 0.02 * half.kl);
  expect(half.kl).toBeLessThan(zero.kl);
  await snapView(panel(page), info, 'interventions-compare');

  // Generation uses the intervened model: the CLI's greedy text under the same ablation.
  await generateButton(page).click();
  await waitForMaxTokens(page);
  await expect(chips(page)).toHaveCount(3);
  expect((await chips(page).allTextContents()).join('')).toBe(cli.text.replace(/\n/g, '↵'));
  for (const chip of await chips(page).all()) {
    await expect(chip).toHaveClass(/\bintervened\b/);
    await expect(chip).toHaveAttribute('aria-label', /under L0H0 scaled ×0\.5/);
  }
  await chips(page).first().hover();
  await expect(page.getByTestId('token-settings')).toContainText('under L0H0 scaled ×0.5');

  // The run's JSON says which heads were ablated, per token like the settings.
  const run = await download(page, 'export-run');
  const doc = JSON.parse(new TextDecoder().decode(run));
  expect(doc.intervention).toEqual({ ablate: '0.0', ablate_mode: 'scale:0.5' });
  expect(doc.ids).toEqual(cli.ids.slice(-3));
  for (const t of doc.tokens) {
    expect(t.intervention).toEqual({ ablate: '0.0', ablate_mode: 'scale:0.5' });
  }

  // The toggle beside the head picker (layer 0, head 0 is picked at first) shows it, restores
  // the head and ablates it again.
  const toggle = page.getByTestId('ablate-toggle');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect(toggle).toHaveText(/L0H0 ablated/);
  await expect(page.getByTestId('attention-head').locator('option').first()).toHaveText(/ablated/);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(panel(page).getByTestId('ablated-heads')).toHaveText(/none/);
  await expect(page).not.toHaveURL(/ablate=/);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveURL(/[?&]ablate=0\.0(&|$)/);

  // The all-heads grid: toggles on each map; ablated maps are marked there and in the layer grid.
  await page.getByTestId('overview-toggle').click();
  const overview = page.getByTestId('overview-grid');
  await expect(overview.getByTestId('ablate-thumb')).toHaveCount(16);
  await expect(
    overview.locator('[data-testid="attention-thumb"][data-layer="0"][data-head="0"]'),
  ).toHaveClass(/\bablated\b/);
  await overview.locator('[data-testid="ablate-thumb"][data-layer="2"][data-head="1"]').click();
  await expect(panel(page).getByTestId('ablated-heads')).toHaveText(/L0H0\s*×?\s*L2H1/);
  await expect(page).toHaveURL(/[?&]ablate=0\.0%2C2\.1(&|$)/);
  await expect(
    overview.locator('[data-testid="attention-thumb"][data-layer="2"][data-head="1"]'),
  ).toHaveClass(/\bablated\b/);
  await expect(
    page.getByTestId('layer-grid').locator('[data-testid="attention-thumb"][data-head="0"]'),
  ).toHaveAttribute('aria-label', /ablated/);
  await expect(page.getByTestId('overview-progress')).toBeHidden({ timeout: 120_000 });
  await snapView(page.locator('attention-panel'), info, 'interventions-grid');

  // Removing every head restores the model: no comparison, the link loses its ablate.
  await panel(page).getByRole('button', { name: 'Clear all' }).click();
  await expect(panel(page).getByTestId('ablated-heads')).toHaveText(/none/);
  await expect(page).not.toHaveURL(/ablate=/);
  await expect(page.getByTestId('next-original')).toHaveCount(0);
});

test('a link with heads the model does not have, or a bad mode, says so and ablates the rest', async ({
  page,
}) => {
  await openReady(
    page,
    `${BUNDLED}&max_tokens=2&temperature=0&prompt=Hello&ablate=1.2,9.0&ablate_mode=scale:x`,
  );
  await expect(
    page.getByText(/ablate_mode is ignored: scale ablation needs a finite factor/),
  ).toBeVisible();
  await expect(page.getByText(/L9H0 does not exist in this model/)).toBeVisible();
  await expect(panel(page).getByTestId('ablated-heads')).toHaveText(/L1H2/);
  await expect(page).toHaveURL(/[?&]ablate=1\.2(&|$)/);
  await expect(page).toHaveURL(/[?&]ablate_mode=zero(&|$)/);
  // Mean ablation from the start: the comparison and generation run under it.
  await panel(page).getByRole('radio', { name: 'Mean' }).check();
  await expect(page).toHaveURL(/[?&]ablate_mode=mean(&|$)/);
  const mean = await settledComparison(page);
  const plain = cliRun('Hello', 1, []).probs;
  const cli = cliRun('Hello', 2, ['--ablate', '1.2', '--ablate-mode', 'mean']);
  const meanCli = cli.probs;
  expect(Math.abs(mean.kl - klOf(plain, meanCli))).toBeLessThan(2e-3 + 0.02 * mean.kl);
  await generateButton(page).click();
  await waitForMaxTokens(page);
  expect((await chips(page).allTextContents()).join('')).toBe(cli.text.replace(/\n/g, '↵'));
});

async function snapView(view: Locator, info: TestInfo, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await view.screenshot({ path, animations: 'disabled' });
  await info.attach(name, { path, contentType: 'image/png' });
}

async function download(page: Page, testId: string): Promise<Uint8Array> {
  const pending = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const d = await pending;
  return new Uint8Array(readFileSync(await d.path()));
}
