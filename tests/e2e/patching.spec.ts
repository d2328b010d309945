import { mkdirSync } from 'node:fs';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { Gpt2Tokenizer } from '../../src/tokenizer/gpt2-tokenizer.ts';
import { IOI_EXAMPLE } from '../../src/ui/interventions/patching-form.ts';
import { BUNDLED, cliInspect, download, openReady } from './app.ts';
import { expect, test } from './fixtures.ts';

// Activation patching in the playground on the bundled model (4 layers x 4 heads), checked
// cell by cell against `npm run inspect -- patch` in Node on the same weights (f16).

test.use({ viewport: { width: 1280, height: 1800 } });
test.setTimeout(360_000);

interface CliPatch {
  clean_ids: number[];
  corrupt_ids: number[];
  right_id: number;
  wrong_id: number;
  clean_ld: number;
  corrupt_ld: number;
  heads: (number | null)[][];
  positions: (number | null)[][];
}

function cliPatch(): CliPatch {
  const { clean, corrupt, right, wrong } = IOI_EXAMPLE;
  return cliInspect<CliPatch>([
    'patch',
    '--clean',
    clean,
    '--corrupt',
    corrupt,
    '--right',
    right,
    '--wrong',
    wrong,
  ]);
}

function view(page: Page): Locator {
  return page.locator('patching-view');
}

/** The values of an effect heatmap's cells, row by row, as the page holds them. */
async function cells(map: Locator): Promise<(number | null)[][]> {
  return map.locator('td[role="gridcell"]').evaluateAll((tds) => {
    const rows: (number | null)[][] = [];
    for (const td of tds as HTMLElement[]) {
      const r = Number(td.dataset.row);
      const v = td.dataset.value === 'null' ? null : Number(td.dataset.value);
      (rows[r] ??= []).push(v);
    }
    return rows;
  });
}

function expectSameGrid(got: (number | null)[][], want: (number | null)[][], what: string): void {
  expect(got.length, `${what} rows`).toBe(want.length);
  want.forEach((row, r) => {
    expect(got[r].length, `${what} row ${r}`).toBe(row.length);
    row.forEach((w, c) => {
      const g = got[r][c];
      expect(g === null, `${what}[${r}][${c}] defined`).toBe(w === null);
      if (g !== null && w !== null) {
        expect(Math.abs(g - w), `${what}[${r}][${c}]: page ${g}, CLI ${w}`).toBeLessThan(5e-3);
      }
    });
  });
}

test('patching: prompts of different lengths and a two-token answer are explained; the IOI example’s heatmaps equal the CLI’s numbers', async ({
  page,
}, info) => {
  await openReady(page, `${BUNDLED}&max_tokens=2&temperature=0&prompt=Hello`);
  const v = view(page);
  const tok = new Gpt2Tokenizer();
  const clean = 'When Mary and John went to the store';
  const corrupt = 'When Mary went to the store';
  await v.getByTestId('patch-clean').fill(clean);
  await v.getByTestId('patch-corrupt').fill(corrupt);
  await expect(v.getByTestId('patch-clean-count')).toHaveText(`${tok.encode(clean).length} tokens`);
  await expect(v.getByTestId('patch-corrupt-count')).toHaveText(
    `${tok.encode(corrupt).length} tokens`,
  );
  await expect(v.getByTestId('patch-lengths')).toContainText(
    `The clean prompt has ${tok.encode(clean).length} tokens and the corrupted one ${tok.encode(corrupt).length}`,
  );
  await v.getByTestId('patch-right').fill(' Mary Ann');
  await expect(v.getByTestId('patch-right-problem')).toContainText('is 2 tokens, not one');
  await v.getByTestId('patch-wrong').fill(' John');
  await expect(v.getByTestId('patch-run')).toBeDisabled();

  // The worked example, one click away; Cancel stops the sweep.
  await v.getByTestId('patch-example').click();
  await expect(v.getByTestId('patch-lengths')).toHaveCount(0);
  const n = tok.encode(IOI_EXAMPLE.clean).length;
  await expect(v.getByTestId('patch-clean-count')).toHaveText(`${n} tokens`);
  await expect(v.getByTestId('patch-corrupt-count')).toHaveText(`${n} tokens`);
  await v.getByTestId('patch-run').click();
  await expect(v.getByTestId('patch-progress')).toBeVisible();
  await v.getByTestId('patch-cancel').click();
  await expect(v.getByTestId('patch-message')).toHaveText(/Cancelled/);
  await expect(v.getByTestId('patch-heads')).toHaveCount(0);

  // Run: progress while it runs, then both heatmaps, cell for cell the CLI's effects.
  await v.getByTestId('patch-run').click();
  await expect(v.getByTestId('patch-heads')).toBeVisible({ timeout: 240_000 });
  const cli = cliPatch();
  const result = await v.evaluate((el) => {
    const d = (el as HTMLElementTagNameMap['patching-view']).currentResult;
    return d && { request: d.request, cleanLd: d.result.cleanLd, corruptLd: d.result.corruptLd };
  });
  expect(result!.request).toEqual({
    cleanIds: cli.clean_ids,
    corruptIds: cli.corrupt_ids,
    rightId: cli.right_id,
    wrongId: cli.wrong_id,
  });
  expect(Math.abs(result!.cleanLd - cli.clean_ld)).toBeLessThan(2e-3);
  expect(Math.abs(result!.corruptLd - cli.corrupt_ld)).toBeLessThan(2e-3);
  expectSameGrid(await cells(v.getByTestId('patch-heads')), cli.heads, 'heads');
  expectSameGrid(await cells(v.getByTestId('patch-positions')), cli.positions, 'positions');
  await expect(v.getByTestId('patch-ld')).toContainText(`clean ${cli.clean_ld.toFixed(3)}`);

  // Values on hover and on keyboard focus.
  const heads = v.getByTestId('patch-heads');
  await heads.locator('td[data-row="1"][data-col="2"]').hover();
  const e12 = cli.heads[1][2];
  await expect(heads.getByTestId('effect-readout')).toContainText(
    `L1 · H2: effect ${e12! >= 0 ? '+' : '−'}${Math.abs(e12!).toFixed(3)}`,
  );
  await heads.locator('td[data-row="0"][data-col="0"]').focus();
  await page.keyboard.press('ArrowDown');
  await expect(heads.getByTestId('effect-readout')).toContainText('L1 · H0: effect');
  await snapView(v, info, 'patching');

  // Exports: the CLI's JSON, an SVG with a cell per value, a PNG.
  const json = JSON.parse(new TextDecoder().decode(await download(page, 'patch-json')));
  expect(json.clean_ids).toEqual(cli.clean_ids);
  expectSameGrid(json.heads, cli.heads, 'exported heads');
  const svg = new TextDecoder().decode(await download(page, 'patching-heads-svg'));
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.match(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="rgb/g)).toHaveLength(16);
  const png = await download(page, 'patching-positions-png');
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
});

async function snapView(el: Locator, info: TestInfo, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await el.screenshot({ path, animations: 'disabled' });
  await info.attach(name, { path, contentType: 'image/png' });
}
