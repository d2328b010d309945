import type { Locator, Page, TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import {
  BUNDLED,
  chipTexts,
  chips,
  generateButton,
  openReady,
  runStatus,
  waitForMaxTokens,
} from './app.ts';
import { expect, test } from './fixtures.ts';

// The three views learners asked for (issue 10), on the bundled model, each kept as a
// screenshot in light and dark and at 400 px.

const PROMPT = 'The quick brown fox';
const PROMPT_IDS = [464, 2068, 7586, 21831];

test.use({ viewport: { width: 1280, height: 1800 } });

/** Screenshots of one view in light, dark and a 400 px window, under test-results/screenshots. */
async function snapViews(page: Page, view: Locator, info: TestInfo, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const shots: [string, () => Promise<void>][] = [
    ['light', () => page.emulateMedia({ colorScheme: 'light' })],
    ['dark', () => page.emulateMedia({ colorScheme: 'dark' })],
    [
      '400px',
      async () => {
        await page.emulateMedia({ colorScheme: 'light' });
        await page.setViewportSize({ width: 400, height: 1400 });
      },
    ],
  ];
  for (const [variant, apply] of shots) {
    await apply();
    await page.mouse.move(0, 0);
    await view.scrollIntoViewIfNeeded();
    const path = `test-results/screenshots/${name}-${variant}.png`;
    await view.screenshot({ path, animations: 'disabled' });
    await info.attach(`${name}-${variant}`, { path, contentType: 'image/png' });
  }
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
    .toBeLessThanOrEqual(400);
  await page.setViewportSize({ width: 1280, height: 1800 });
}

/** The attention map the inspector shows, as it holds it. */
async function panelMap(page: Page) {
  return page.locator('attention-panel').evaluate((el) => {
    const m = (el as HTMLElementTagNameMap['attention-panel']).currentMap;
    return m ? { n: m.n, ids: [...m.ids], probs: Array.from(m.probs) } : null;
  });
}

test('branch history: every run and branch kept, shown again without rerunning, two side by side', async ({
  page,
}, info) => {
  await openReady(
    page,
    `${BUNDLED}&max_tokens=4&temperature=0&prompt=${encodeURIComponent(PROMPT)}`,
  );
  await expect(page.getByTestId('branches-empty')).toBeVisible();
  await generateButton(page).click();
  await waitForMaxTokens(page);
  const first = await chipTexts(page);
  const firstLabels = await chips(page).evaluateAll((els) =>
    els.map((e) => e.getAttribute('aria-label')),
  );
  const tree = page.getByTestId('branch-tree').getByRole('listitem');
  await expect(tree).toHaveCount(1);
  await expect(tree.first()).toContainText('Run from the prompt');
  await expect(tree.first()).toContainText('greedy (T 0)');

  // Branch at token 2 with its first alternative.
  await chips(page).nth(1).hover();
  const alternative = page.getByTestId('token-popover').getByRole('button', { name: /^Branch/ });
  await alternative.first().click();
  await waitForMaxTokens(page);
  const second = await chipTexts(page);
  expect(second[0]).toBe(first[0]);
  expect(second[1]).not.toBe(first[1]);
  await expect(tree).toHaveCount(2);
  await expect(tree.nth(1)).toContainText('From branch 1 at token 2');
  await expect(page.getByRole('button', { name: 'Show branch 2' })).toHaveAttribute(
    'aria-current',
    'true',
  );

  // Side by side: the shared start once, each branch's own text after it.
  const compare = page.getByTestId('branch-compare');
  await expect(compare.locator('.col')).toHaveCount(2);
  await expect(page.locator('branch-history')).toContainText('1 token in common');
  await expect(compare.getByTestId('branch-own').first()).toHaveText(first.slice(1).join(''));
  await expect(compare.getByTestId('branch-own').nth(1)).toHaveText(second.slice(1).join(''));

  // Back to branch 1: its tokens as they were (same probabilities, nothing generated).
  await page.getByRole('button', { name: 'Show branch 1' }).click();
  expect(await chipTexts(page)).toEqual(first);
  expect(
    await chips(page).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))),
  ).toEqual(firstLabels);
  await expect(runStatus(page)).not.toHaveText('Generating…');
  // The inspector follows: the cache is brought to branch 1's text (only the tokens after
  // the shared start are run) and its map covers exactly that text.
  await expect.poll(async () => (await panelMap(page))?.n).toBe(PROMPT_IDS.length + 3);
  const map = (await panelMap(page))!;
  expect(map.ids.slice(0, PROMPT_IDS.length)).toEqual(PROMPT_IDS);
  // Continue grows branch 1; the tree still holds both.
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await waitForMaxTokens(page);
  await expect(chips(page)).toHaveCount(8);
  expect((await chipTexts(page)).slice(0, 4)).toEqual(first);
  await expect(tree).toHaveCount(2);
  await expect(tree.first()).toContainText('8 tokens');
  // A new Generate is a third run from the prompt; the others stay.
  await generateButton(page).click();
  await waitForMaxTokens(page);
  await expect(tree).toHaveCount(3);
  await page.getByRole('button', { name: 'Show branch 2' }).click();
  expect(await chipTexts(page)).toEqual(second);

  await snapViews(page, page.locator('branch-history'), info, 'view-branch-history');
});

test('the step under the microscope: every candidate at T = 1, after T, after top-k / top-p; a live what-if', async ({
  page,
}, info) => {
  await openReady(
    page,
    `${BUNDLED}&max_tokens=4&temperature=0.8&top_k=40&top_p=0.95&seed=42&prompt=${encodeURIComponent(PROMPT)}`,
  );
  await expect(page.getByTestId('microscope-empty')).toBeVisible();
  await generateButton(page).click();
  await waitForMaxTokens(page);
  const texts = await chipTexts(page);
  await chips(page).nth(2).click();
  const scope = page.locator('step-microscope');
  await expect(scope.getByTestId('microscope-step')).toContainText('token 3 of 4');
  const rows = scope.getByTestId('microscope-row');
  await expect(rows).toHaveCount(16);
  // The chosen token is marked, at the rank the stats give.
  const chosen = scope.locator('tr.chosen');
  await expect(chosen).toHaveCount(1);
  const rank = Number(await chosen.locator('td').first().textContent());
  await expect(scope.getByTestId('microscope-rank')).toContainText(`${rank}`);
  // At the settings it was drawn with, its probability is the chip's (top-k 40 keeps the set
  // inside the 64 candidates, so both are exact).
  const chipLabel = (await chips(page).nth(2).getAttribute('aria-label'))!;
  const chipPercent = chipLabel.match(/, ([<>]?[\d.]+%)/)![1];
  await expect(scope.getByTestId('microscope-chosen-prob')).toContainText(chipPercent);
  // The top-k cut-off is drawn (or said, when it falls beyond the rows shown).
  await expect(scope).toContainText('top-k = 40 cuts');
  const keptAtDraw = Number(
    (await scope.getByTestId('microscope-kept').textContent())!.match(/\d+/)![0],
  );
  expect(keptAtDraw).toBeLessThanOrEqual(40);

  // What if T = 0: only the first can be drawn, entropy 0, and the text does not change.
  await scope.getByRole('slider', { name: 'What-if temperature' }).fill('0');
  await expect(scope.getByTestId('whatif-temperature')).toHaveText('0');
  await expect(scope.getByTestId('microscope-kept')).toContainText('1 token');
  await expect(scope.getByTestId('microscope-entropy')).toContainText('→ 0 bits');
  await expect(scope.getByTestId('microscope-cut').first()).toContainText('T = 0 (greedy)');
  await expect(scope.getByRole('slider', { name: 'What-if top-k' })).toBeVisible();
  // What if top-k 2 at T 1: two can be drawn, the cut drawn after rank 2.
  await scope.getByRole('slider', { name: 'What-if temperature' }).fill('1');
  await scope.getByRole('slider', { name: 'What-if top-k' }).fill('2');
  await scope.getByRole('slider', { name: 'What-if top-p' }).fill('1');
  await expect(scope.getByTestId('microscope-kept')).toContainText('2 tokens');
  await expect(scope.getByTestId('microscope-cut')).toHaveText('top-k = 2 cuts here');
  await expect(rows.nth(2).locator('td').last()).toHaveText('cut');
  expect(await chipTexts(page)).toEqual(texts);
  await expect(runStatus(page)).toHaveText('Reached the max new tokens.');
  // Back to the step's own settings.
  await scope.getByRole('button', { name: "The step's settings" }).click();
  await expect(scope.getByTestId('microscope-chosen-prob')).toContainText(chipPercent);
  // Another step, from the microscope's own arrows.
  await scope.getByRole('button', { name: 'Previous token' }).click();
  await expect(scope.getByTestId('microscope-step')).toContainText('token 2 of 4');

  await snapViews(page, scope, info, 'view-step-microscope');
});

test('attention on the text: a picked token shades the words it attends to, one head or a layer’s mean', async ({
  page,
}, info) => {
  await openReady(
    page,
    `${BUNDLED}&max_tokens=8&temperature=0&prompt=${encodeURIComponent(PROMPT)}`,
  );
  await expect(page.getByTestId('att-text-status')).toBeVisible();
  await generateButton(page).click();
  await waitForMaxTokens(page);
  const view = page.locator('attention-text');
  const text = view.getByTestId('att-text');
  // The cached context: the prompt and all output tokens but the last (not read yet).
  const tokens = text.locator('.t');
  await expect(tokens).toHaveCount(PROMPT_IDS.length + 7);
  await expect(tokens.first()).toHaveText('The');
  // Layer 0, head 0 is the bundled model's previous-token head.
  await view.getByTestId('att-text-layer').selectOption('0');
  await view.getByTestId('att-text-head').selectOption('0');
  await expect(view.locator('.legend')).toContainText('by layer 0, head 0');
  await tokens.nth(5).click();
  await expect(tokens.nth(5)).toHaveAttribute('aria-pressed', 'true');
  await expect(view.getByTestId('att-text-top').locator('li').first()).toContainText(
    (await tokens.nth(4).textContent())!.replace(/ /g, '␣'),
  );
  const w4 = Number(await tokens.nth(4).getAttribute('data-weight'));
  expect(w4).toBeGreaterThan(0.5);
  // The same numbers as the inspector's map of layer 0, head 0 (row 5).
  await expect.poll(async () => (await panelMap(page))?.n).toBe(PROMPT_IDS.length + 7);
  const m = (await panelMap(page))!;
  const weights = await tokens.evaluateAll((els) =>
    els.map((e) => Number(e.getAttribute('data-weight') || 0)),
  );
  for (let j = 0; j <= 5; j++) expect(weights[j]).toBeCloseTo(m.probs[5 * m.n + j], 5);
  // Tokens after the picked one cannot be attended to: greyed, no weight.
  await expect(tokens.nth(6)).toHaveClass(/ahead/);
  // The pick is shared: the inspector selects the same token.
  await expect(page.locator('attention-panel attends-to h3')).toContainText('#5');
  // The mean of the layer's heads: weights over the visible tokens still sum to 1.
  await view.getByTestId('att-text-head').selectOption('-1');
  await expect(view.locator('.legend')).toContainText('the mean of layer 0');
  await expect
    .poll(async () => {
      const w = await tokens.evaluateAll((els) =>
        els.map((e) => Number(e.getAttribute('data-weight') || 0)),
      );
      return Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-4 && w[4] !== w4;
    })
    .toBe(true);
  // Arrow keys move the pick.
  await tokens.nth(5).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(tokens.nth(4)).toHaveAttribute('aria-pressed', 'true');

  await snapViews(page, view, info, 'view-attention-text');
});
