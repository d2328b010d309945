import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { formatProb } from '../../src/ui/inspector/attention-data.ts';
import { lutIndex, palette } from '../../src/ui/inspector/colour-scale.ts';
import { BUNDLED, generateButton, openReady, waitForMaxTokens } from './app.ts';
import { expect, test } from './fixtures.ts';

// The inspector on the bundled model (4 layers x 4 heads): generate a few tokens greedily,
// then read the attention maps and the logit lens the engine computed on the GPU.

const PROMPT = 'The quick brown fox';
const PROMPT_IDS = [464, 2068, 7586, 21831];
const NEW_TOKENS = 8;
/** The last generated token is not in the KV cache yet: the maps cover the rest. */
const N = PROMPT_IDS.length + NEW_TOKENS - 1;

// Tall enough that the inspector fits below the sticky header for its screenshots.
test.use({ viewport: { width: 1280, height: 1800 } });

interface MapData {
  layer: number;
  head: number;
  n: number;
  probs: number[];
  ids: number[];
}

function panel(page: Page): Locator {
  return page.locator('attention-panel');
}

/** The map on screen, as the panel holds it (the engine's numbers). */
async function currentMap(page: Page): Promise<MapData | null> {
  return panel(page).evaluate((el) => {
    const m = (el as HTMLElementTagNameMap['attention-panel']).currentMap;
    return m ? { ...m, probs: Array.from(m.probs), ids: [...m.ids] } : null;
  });
}

/** Waits for the map of (layer, head) over the whole context and returns it. */
async function mapOf(page: Page, layer: number, head: number): Promise<MapData> {
  await expect
    .poll(async () => {
      const m = await currentMap(page);
      return m && `${m.layer}:${m.head}:${m.n}`;
    })
    .toBe(`${layer}:${head}:${N}`);
  return (await currentMap(page))!;
}

function expectCausalRowsSumToOne(m: MapData): void {
  for (let i = 0; i < m.n; i++) {
    let sum = 0;
    for (let j = 0; j < m.n; j++) {
      const p = m.probs[i * m.n + j];
      if (j > i) expect(p, `[${i}, ${j}] above the diagonal`).toBe(0);
      else expect(p, `[${i}, ${j}]`).toBeGreaterThanOrEqual(0);
      sum += p;
    }
    expect(Math.abs(sum - 1), `row ${i} sums to ${sum}`).toBeLessThan(1e-5);
  }
}

async function cellCenter(page: Page, row: number, col: number) {
  const heatmap = page.locator('attention-panel attention-heatmap');
  await heatmap.locator('canvas').scrollIntoViewIfNeeded();
  // Sections with content-visibility: auto take their real height when scrolled near, a
  // frame or two later, moving the canvas: measure once it has stayed put for two frames.
  const c = await heatmap.evaluate(
    async (el, [r, k]) => {
      const frame = () => new Promise((done) => requestAnimationFrame(() => done(null)));
      let top = NaN;
      for (let tries = 0; tries < 60; tries++) {
        const now = el.getBoundingClientRect().top;
        if (now === top) break;
        top = now;
        await frame();
        await frame();
      }
      return (el as HTMLElementTagNameMap['attention-heatmap']).cellCenter(r, k);
    },
    [row, col],
  );
  expect(c, `cell ${row}, ${col} on screen`).not.toBeNull();
  return c!;
}

/** RGB of the heatmap canvas at a viewport point. */
async function pixelAt(page: Page, x: number, y: number): Promise<number[]> {
  return page.locator('attention-panel attention-heatmap canvas').evaluate(
    (canvas, [px, py]) => {
      const c = canvas as HTMLCanvasElement;
      const r = c.getBoundingClientRect();
      const s = c.width / r.width;
      const d = c.getContext('2d')!.getImageData((px - r.left) * s, (py - r.top) * s, 1, 1).data;
      return [d[0], d[1], d[2]];
    },
    [x, y],
  );
}

async function generated(page: Page): Promise<void> {
  await openReady(
    page,
    `${BUNDLED}&max_tokens=${NEW_TOKENS}&temperature=0&prompt=${encodeURIComponent(PROMPT)}`,
  );
  await generateButton(page).click();
  await waitForMaxTokens(page);
}

test('attention heatmap: the engine numbers on a labelled canvas, heads and layers, exports', async ({
  page,
}, info) => {
  await generated(page);
  const m = await mapOf(page, 0, 0);
  expect(m.ids.slice(0, PROMPT_IDS.length)).toEqual(PROMPT_IDS);
  expect(m.ids).toHaveLength(N);
  expectCausalRowsSumToOne(m);
  // The canvas shows the numbers: a cell's colour is its value on the scale, the readout
  // under the pointer is its value.
  await expect(page.getByTestId('heatmap-zoom')).toHaveText(`${N} of ${N}`);
  const [row, col] = [5, 2];
  const p = m.probs[row * N + col];
  const at = await cellCenter(page, row, col);
  const rgb = await pixelAt(page, at.x, at.y);
  const lut = palette('light').lut;
  const want = lutIndex('sqrt', p) * 4;
  for (let k = 0; k < 3; k++) {
    expect(Math.abs(rgb[k] - lut[want + k]), `channel ${k}`).toBeLessThan(3);
  }
  await page.mouse.move(at.x, at.y);
  await expect(page.getByTestId('heatmap-value')).toHaveText(formatProb(p));
  await expect(page.getByTestId('heatmap-readout')).toContainText(`#${row}`);
  await expect(page.getByTestId('heatmap-readout')).toContainText(`#${col}`);
  await expect(page.getByTestId('heatmap-legend')).toContainText('square root scale');
  await snapView(panel(page), info, 'attention-heatmap');

  // Selecting a token (a click on its row) lists where it attends, largest first. The
  // screenshot may have scrolled the page: the cell is found again.
  const cell = await cellCenter(page, row, col);
  await page.mouse.click(cell.x, cell.y);
  const attends = page.getByTestId('attends-to');
  await expect(attends.getByRole('listitem')).toHaveCount(Math.min(8, row + 1));
  const rowProbs = m.probs.slice(row * N, row * N + row + 1);
  const best = rowProbs.indexOf(Math.max(...rowProbs));
  await expect(attends.getByRole('listitem').first()).toContainText(`#${best}`);
  await snapView(panel(page), info, 'attention-selected');
  // From the list: select the token it attends to most.
  await attends.getByRole('button').first().click();
  await expect(page.locator('attention-panel h3').nth(1)).toContainText(`#${best}`);

  // Another head: other numbers, still rows of a causal softmax.
  await page.getByTestId('attention-head').selectOption('2');
  const h2 = await mapOf(page, 0, 2);
  expectCausalRowsSumToOne(h2);
  expect(h2.probs).not.toEqual(m.probs);
  // The layer grid: a small map per head; clicking one selects it.
  const grid = page.getByTestId('layer-grid').getByTestId('attention-thumb');
  await expect(grid).toHaveCount(4);
  await grid.nth(1).click();
  const h1 = await mapOf(page, 0, 1);
  expectCausalRowsSumToOne(h1);
  await expect(grid.nth(1)).toHaveAttribute('aria-pressed', 'true');
  // Another layer.
  await page.getByTestId('attention-layer').selectOption('3');
  expectCausalRowsSumToOne(await mapOf(page, 3, 1));
  await snapView(panel(page), info, 'attention-layer-grid');

  // The overview: every layer x head, computed when opened; a click selects a map.
  await page.getByTestId('overview-toggle').click();
  const overview = page.getByTestId('overview-grid').getByTestId('attention-thumb');
  await expect(overview).toHaveCount(16);
  await expect(page.getByTestId('overview-progress')).toBeHidden({ timeout: 120_000 });
  await expect(page.getByTestId('overview-grid').locator('.pending')).toHaveCount(0);
  await overview.nth(2 * 4 + 3).click();
  expectCausalRowsSumToOne(await mapOf(page, 2, 3));
  await expect(page.getByTestId('attention-layer')).toHaveValue('2');
  await expect(page.getByTestId('attention-head')).toHaveValue('3');
  await snapView(panel(page), info, 'attention-overview');

  // Exports: PNG (a real PNG, larger than the map), SVG (one rect per visible cell), run JSON.
  const png = await download(page, 'export-png');
  expect(png.name).toBe(`attention-layer2-head3-${N}tokens.png`);
  expect([...png.bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  writeFileSync('test-results/screenshots/attention-export.png', png.bytes);
  await info.attach('attention-export', { body: Buffer.from(png.bytes), contentType: 'image/png' });
  const view = new DataView(png.bytes.buffer, png.bytes.byteOffset);
  expect(view.getUint32(16)).toBeGreaterThan(N * 9); // IHDR width: labelled cells
  expect(view.getUint32(20)).toBeGreaterThan(N * 9);
  const svg = await download(page, 'export-svg');
  const svgText = new TextDecoder().decode(svg.bytes);
  expect(svgText.startsWith('<svg')).toBe(true);
  expect(svgText.match(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="rgb/g)).toHaveLength(
    (N * (N + 1)) / 2,
  );
  const run = await download(page, 'export-run');
  const doc = JSON.parse(new TextDecoder().decode(run.bytes));
  expect(doc.format).toBe('gpt2-webgpu-playground/run');
  expect(doc.prompt).toBe(PROMPT);
  expect(doc.prompt_ids).toEqual(PROMPT_IDS);
  expect(doc.settings).toMatchObject({ temperature: 0, max_new_tokens: NEW_TOKENS });
  expect(doc.seed).toBe(doc.settings.seed);
  expect(doc.model.config).toMatchObject({ n_layer: 4, n_head: 4 });
  expect(doc.tokens).toHaveLength(NEW_TOKENS);
  expect(doc.ids.slice(0, NEW_TOKENS - 1)).toEqual(m.ids.slice(PROMPT_IDS.length));
  for (const t of doc.tokens) {
    expect(t.prob).toBe(1); // greedy
    expect(t.candidates.length).toBeGreaterThan(1);
    expect(t.candidates[0].id).toBe(t.id);
    expect(t.candidates[0].model_prob).toBeGreaterThan(0);
  }
  expect(doc.attention_view).toEqual({ layer: 2, head: 3 });
});

test('logit lens: each layer’s top tokens at the selected position, the last row the prediction', async ({
  page,
}, info) => {
  await generated(page);
  await mapOf(page, 0, 0);
  const lens = page.getByTestId('logit-lens');
  await expect(
    page.getByRole('region', { name: 'Logit lens' }),
    'the shell gives the inspector EngineController.logitLens (see src/ui/inspector/inspector-source.ts)',
  ).toBeVisible();
  await expect(lens).toBeVisible();
  const rows = lens.locator('tbody tr');
  await expect(rows).toHaveCount(5); // embeddings + 4 blocks
  await expect(rows.first().locator('th')).toHaveText('embeddings');
  await expect(rows.last().locator('th')).toContainText('output');
  // At the last cached position the final row's top token is the one generated next.
  const data = await panel(page).evaluate((el) => {
    const l = (el as HTMLElementTagNameMap['attention-panel']).currentLens;
    return l && { position: l.position, rows: l.rows.map((r) => r.candidates.map((c) => c.id)) };
  });
  expect(data?.position).toBe(N - 1);
  expect(data!.rows).toHaveLength(5);
  // Greedy: the model's top token there is the token that came next (outlined, underlined).
  const top = rows.last().locator('.cell').first();
  await expect(top).toHaveClass(/\bfinal\b/);
  await expect(top).toHaveClass(/\bactual\b/);
  for (const r of data!.rows) expect(r).toHaveLength(8);
  // Selecting another token moves the lens there.
  const at = await cellCenter(page, 2, 0);
  await page.mouse.click(at.x, at.y);
  await expect
    .poll(() =>
      panel(page).evaluate(
        (el) => (el as HTMLElementTagNameMap['attention-panel']).currentLens?.position,
      ),
    )
    .toBe(2);
  await expect(page.locator('logit-lens')).toContainText('#2');
  await snapView(panel(page), info, 'logit-lens');
});

test('a 1024-token map draws at once, zooms to single cells and stays legible', async ({
  page,
}, info) => {
  await page.goto(`/?${BUNDLED}&prompt=`);
  const timing = await page.evaluate(async () => {
    const n = 1024;
    const probs = new Float32Array(n * n);
    let seed = 1;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < n; i++) {
      // A first-token sink, a previous-token diagonal and noise: patterns a head shows.
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        const w = (j === 0 ? 30 : 0) + (j === i - 1 ? 20 : 0) + rand();
        probs[i * n + j] = w;
        sum += w;
      }
      for (let j = 0; j <= i; j++) probs[i * n + j] /= sum;
    }
    const box = document.createElement('div');
    box.id = 'big';
    box.style.cssText =
      'position:fixed;top:0;left:0;z-index:1000;background:var(--bg);padding:16px;width:900px';
    const el = document.createElement('attention-heatmap');
    box.append(el);
    document.body.append(box);
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const t0 = performance.now();
    el.labels = Array.from({ length: n }, (_, i) => `tok${i}`);
    el.map = { n, probs };
    await el.updateComplete;
    await frame();
    await frame();
    return performance.now() - t0;
  });
  expect(timing).toBeLessThan(1500);
  const big = page.locator('#big');
  await expect(big.getByTestId('heatmap-zoom')).toHaveText('1024 of 1024');
  await expect(big.getByTestId('heatmap-aggregated')).toBeVisible();
  await snapView(big, info, 'attention-1024');
  // Zoom in (keyboard on the focused map) until every cell has its own pixels and labels.
  await big.getByTestId('heatmap-canvas').focus();
  for (let k = 0; k < 7; k++) await page.keyboard.press('+');
  await expect(big.getByTestId('heatmap-zoom')).toHaveText('8 of 1024');
  await expect(big.getByTestId('heatmap-aggregated')).toBeHidden();
  // The cursor moves with the arrows and its cell is read out.
  await page.keyboard.press('ArrowUp');
  await expect(big.getByTestId('heatmap-readout')).toContainText('tok');
  await snapView(big, info, 'attention-1024-zoomed');
  await page.keyboard.press('0');
  await expect(big.getByTestId('heatmap-zoom')).toHaveText('1024 of 1024');
});

test('the inspector fits a narrow window', async ({ page }, info) => {
  await page.setViewportSize({ width: 420, height: 900 });
  await generated(page);
  await mapOf(page, 0, 0);
  const canvas = page.getByTestId('heatmap-canvas');
  const box = await canvas.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(420);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(420);
  await canvas.scrollIntoViewIfNeeded();
  await snapView(panel(page), info, 'attention-narrow');
});

/** A screenshot of one view (the inspector) under test-results/screenshots/, attached. */
async function snapView(view: Locator, info: TestInfo, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await view.screenshot({ path, animations: 'disabled' });
  await info.attach(name, { path, contentType: 'image/png' });
}

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Uint8Array }> {
  const pending = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const d = await pending;
  const path = await d.path();
  return { name: d.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)) };
}
