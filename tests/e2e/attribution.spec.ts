import { mkdirSync } from 'node:fs';
import type { Locator, TestInfo } from '@playwright/test';
import {
  BUNDLED,
  chips,
  cliInspect,
  download,
  generateButton,
  openReady,
  waitForMaxTokens,
} from './app.ts';
import { expect, test } from './fixtures.ts';

// Direct logit attribution and head roles in the playground on the bundled model (4 layers x
// 4 heads), against `npm run inspect -- dla | roles` in Node on the same weights (f16).

test.use({ viewport: { width: 1280, height: 1800 } });
test.setTimeout(360_000);

interface Dla {
  ids: number[];
  tokenId: number;
  logit: number;
  beta: number;
  parts: { name: string; value: number }[];
}

test('direct logit attribution: the bars and β add up to the logit shown, as the CLI computes them', async ({
  page,
}, info) => {
  await openReady(page, `${BUNDLED}&max_tokens=3&temperature=0&prompt=The%20quick%20brown%20fox`);
  await generateButton(page).click();
  await waitForMaxTokens(page);
  await expect(chips(page)).toHaveCount(3);
  const view = page.locator('dla-view');
  // By default: the last generated token, attributed at the position before it.
  await expect(view.getByTestId('dla-position')).toHaveValue('5');
  const last = (await chips(page).last().textContent())!;
  await expect(view.getByTestId('dla-token')).toHaveValue(last.replace(/↵/g, '\n'));
  await view.getByTestId('dla-run').click();
  await expect(view.getByTestId('dla-logit')).toBeVisible({ timeout: 120_000 });
  const r = (await view.evaluate(
    (el) => (el as HTMLElementTagNameMap['dla-view']).currentAttribution,
  )) as Dla;
  expect(r.ids).toHaveLength(6);
  // The identity: every part plus β is the logit (f32 sums of f32 parts).
  const sum = r.parts.reduce((a, p) => a + p.value, 0) + r.beta;
  expect(Math.abs(sum - r.logit)).toBeLessThan(1e-3 * Math.max(1, Math.abs(r.logit)));
  await expect(view.getByTestId('dla-logit')).toHaveText(r.logit.toFixed(3));
  expect(r.parts.map((p) => p.name)).toContain('L3.mlp');
  expect(r.parts).toHaveLength(1 + 4 * (4 + 2));
  // The same numbers from the CLI.
  const cli = cliInspect<{
    ids: number[];
    token_id: number;
    logit: number;
    beta: number;
    parts: { name: string; value: number }[];
  }>(['dla', '--ids', r.ids.join(','), '--token-id', String(r.tokenId)]);
  expect(Math.abs(cli.logit - r.logit)).toBeLessThan(2e-3);
  expect(Math.abs(cli.beta - r.beta)).toBeLessThan(1e-4);
  cli.parts.forEach((p, i) => {
    expect(r.parts[i].name).toBe(p.name);
    expect(Math.abs(r.parts[i].value - p.value), p.name).toBeLessThan(2e-3);
  });
  // Its JSON export is the CLI's document, with the same numbers as the page.
  const saved = JSON.parse(new TextDecoder().decode(await download(page, 'dla-json'))) as {
    ids: number[];
    token_id: number;
    logit: number;
    parts: Dla['parts'];
  };
  expect(saved).toMatchObject({ ids: r.ids, token_id: r.tokenId, logit: r.logit });
  expect(saved.parts).toEqual(r.parts);
  // The bars are the 12 largest, with their values; the heatmap holds every head.
  const bars = view.getByTestId('dla-bars').locator('li');
  await expect(bars).toHaveCount(12);
  const top = [...r.parts].sort((a, b) => Math.abs(b.value) - Math.abs(a.value))[0];
  await expect(bars.first()).toHaveAttribute('data-name', top.name);
  await expect(view.getByTestId('dla-heads').locator('td[role="gridcell"]')).toHaveCount(16);
  // A token that is not one token is refused with the reason.
  await view.getByTestId('dla-token').fill(' quick brown');
  await expect(view.getByRole('alert')).toHaveText(/is 2 tokens, not one/);
  await expect(view.getByTestId('dla-run')).toBeDisabled();
  // Another position typed: its token shows beside it and the next token is proposed; a
  // position past the text is clamped to the last (6: four prompt tokens, three generated).
  await view.getByTestId('dla-position').fill('2');
  await view.getByTestId('dla-position').press('Enter');
  await expect(view.getByTestId('dla-position-token')).toHaveText('␣brown');
  await expect(view.getByTestId('dla-token')).toHaveValue(' fox');
  await view.getByTestId('dla-position').fill('99');
  await view.getByTestId('dla-position').press('Enter');
  await expect(view.getByTestId('dla-position')).toHaveValue('6');
  await view.getByTestId('dla-token').fill(last.replace(/↵/g, '\n'));
  await snapView(view, info, 'logit-attribution');
});

test('head roles: badges on the grids and the head picker, L0H0 a previous-token head and L1H1 an induction head as the CLI scores them', async ({
  page,
}, info) => {
  await openReady(page, `${BUNDLED}&max_tokens=2&temperature=0&prompt=Hello`);
  // The head picker and the grids show once there is text.
  await generateButton(page).click();
  await waitForMaxTokens(page);
  await page.getByTestId('roles-run').click();
  const thumb = page
    .getByTestId('layer-grid')
    .locator('[data-testid="attention-thumb"][data-layer="0"][data-head="0"]');
  await expect(thumb.locator('[data-role="previous"]')).toHaveText('prev', { timeout: 120_000 });
  const cli = cliInspect<{
    previous: number[][];
    first: number[][];
    self: number[][];
    induction: number[][];
  }>(['roles']);
  expect(cli.previous[0][0]).toBeGreaterThanOrEqual(0.4);
  await expect(thumb).toHaveAttribute(
    'title',
    new RegExp(`previous ${cli.previous[0][0].toFixed(2)}`),
  );
  await expect(page.getByTestId('attention-head').locator('option').first()).toHaveText(
    /previous-token/,
  );
  await page.getByTestId('overview-toggle').click();
  // The bundled model's induction head (weights/README.md) carries its badge too.
  expect(cli.induction[1][1]).toBeGreaterThanOrEqual(0.42);
  const inductionThumb = page
    .getByTestId('overview-grid')
    .locator('[data-testid="attention-thumb"][data-layer="1"][data-head="1"]');
  await expect(inductionThumb.locator('[data-role="induction"]')).toHaveText('ind');
  await expect(inductionThumb).toHaveAttribute(
    'title',
    new RegExp(`induction ${cli.induction[1][1].toFixed(2)}`),
  );
  // Every badge on the overview is a score at or above the threshold, as the CLI has it.
  for (let l = 0; l < 4; l++) {
    for (let h = 0; h < 4; h++) {
      const cell = page
        .getByTestId('overview-grid')
        .locator(`[data-testid="attention-thumb"][data-layer="${l}"][data-head="${h}"]`);
      for (const role of ['previous', 'first', 'self', 'induction'] as const) {
        const has = cli[role][l][h] >= 0.4;
        // Scores within 0.02 of the threshold could fall either side between the two GPUs.
        if (Math.abs(cli[role][l][h] - 0.4) < 0.02) continue;
        await expect(cell.locator(`[data-role="${role}"]`), `L${l}H${h} ${role}`).toHaveCount(
          has ? 1 : 0,
        );
      }
    }
  }
  await snapView(page.locator('attention-panel'), info, 'head-roles');
});

async function snapView(el: Locator, info: TestInfo, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await el.screenshot({ path, animations: 'disabled' });
  await info.attach(name, { path, contentType: 'image/png' });
}
