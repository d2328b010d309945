import { GPT2_PRESETS, gpt2ParameterCount } from '../../src/model/config.ts';
import { expect, snap, test } from './fixtures.ts';

// The tiny preset and a short prefill: SwiftShader is a CPU, this checks the page, not speed.

test('bench.html runs the benchmark on this GPU and puts the result JSON in the page', async ({
  page,
}, info) => {
  await page.goto('/bench.html?preset=tiny&precision=f32&prefill=8&steps=2&peak_mb=8&autostart=1');
  const adapter = page.getByTestId('bench-adapter');
  await expect(adapter).not.toBeEmpty();
  const json = page.locator('#bench-json');
  await expect(json).toBeVisible({ timeout: 120_000 });
  const text = (await json.textContent()) ?? '';
  const r = JSON.parse(text);
  expect(r.adapter).toBe(await adapter.textContent());
  // Figures read as figures: no fraction carries timer noise past 6 significant digits.
  for (const x of text.match(/-?\d+\.\d+(e[-+]?\d+)?/g) ?? []) {
    expect(
      x.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length,
      x,
    ).toBeLessThanOrEqual(6);
  }
  expect(r.model).toBe('random tiny-shaped checkpoint');
  expect(r.parameters).toBe(gpt2ParameterCount(GPT2_PRESETS.tiny));
  expect(r.storage).toBe('f32');
  expect(r.prefill.tokens).toBe(8);
  expect(r.decode.steps).toBe(2);
  for (const x of [
    r.prefill.ms,
    r.prefill.tokensPerSecond,
    r.decode.msPerStep,
    r.decode.tokensPerSecond,
    r.decode.weightGBPerSecond,
  ]) {
    expect(Number.isFinite(x) && x > 0, String(x)).toBe(true);
  }
  // One submit per decode step and only the sampling candidates read back.
  expect(r.decode.submits).toBe(1);
  expect(r.decode.dispatches).toBeGreaterThan(GPT2_PRESETS.tiny.nLayer * 8);
  expect(r.decode.readbackBytes).toBeLessThan(1024);
  expect(r.decode.weightBytes).toBeGreaterThan(r.parameters * 4 * 0.9);
  await expect(page.getByTestId('bench-text')).toContainText('decode');

  // The roofline: this device's peaks, each kernel kind against them, every dispatch.
  expect(r.peak.bufferBytes).toBe(8 * 2 ** 20);
  expect(r.peak.readGBs).toBeGreaterThan(0);
  expect(r.peak.gflops).toBeGreaterThan(0);
  expect(r.device.features).toEqual([...r.device.features].sort());
  expect(r.device.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  const L = GPT2_PRESETS.tiny.nLayer;
  expect(r.decode.structure.dispatches).toBe(r.decode.dispatches);
  expect(r.decode.structure.rows).toHaveLength(r.decode.dispatches);
  const matvecs = r.decode.structure.rows.filter((d: { op: string }) => d.op === 'matvec');
  expect(matvecs).toHaveLength(4 * L);
  for (const d of [...r.decode.structure.rows, ...r.prefill.structure.rows]) {
    const [x, y, z] = d.workgroups;
    expect(d.invocations, d.label).toBe(x * y * z * d.invocationsPerWorkgroup);
    expect(d.bytesRead, d.label).toBeGreaterThan(0);
  }
  for (const step of [r.decode, r.prefill]) {
    for (const k of step.kernels) {
      // A small kernel may time below the timer's resolution (0): then it has no rate.
      const rated = k.ms > 0 ? k.percent > 0 && k.achievedGBs > 0 : k.percent === null;
      expect(k.ms >= 0 && rated, k.op).toBe(true);
    }
    expect(step.roofline.percent).toBeGreaterThan(0);
    expect(step.estimates).toHaveLength(2);
  }
  await expect(page.getByTestId('bench-peak')).toContainText('GB/s');
  await expect(page.getByTestId('bench-step-roofline').first()).toContainText('% of roofline');
  const kinds = new Set(
    [...r.decode.kernels, ...r.prefill.kernels].map((k: { op: string }) => k.op),
  );
  await expect(page.getByTestId('roofline-plot')).toBeVisible();
  await expect(page.getByTestId('roofline-dot')).toHaveCount(
    r.decode.kernels.length + r.prefill.kernels.length,
  );
  expect(kinds.has('matvec') && kinds.has('matmul')).toBe(true);
  await expect(page.getByTestId('bench-kernels').first().locator('tbody tr')).toHaveCount(
    r.decode.kernels.length,
  );
  await page.getByTestId('bench-device').locator('summary').click();
  await expect(page.getByTestId('bench-device')).toContainText('maxStorageBufferBindingSize');
  await snap(page, info, 'bench');

  // A second run from the form, f16 weights: both runs listed, the JSON is the latest.
  await page.getByTestId('bench-precision').selectOption('f16');
  await page.getByTestId('bench-run').click();
  const history = page.getByTestId('bench-history');
  await expect(history).toBeVisible({ timeout: 120_000 });
  await expect(history.locator('tbody tr')).toHaveCount(2);
  const r2 = JSON.parse((await json.textContent()) ?? '');
  expect(r2.storage).toBe('f16');
  expect(r2.decode.weightBytes).toBeLessThan(r.decode.weightBytes);
  expect(new URL(page.url()).searchParams.get('precision')).toBe('f16');
});

test('bench.html reports link parameters it cannot use and keeps the defaults', async ({
  page,
}) => {
  await page.goto('/bench.html?preset=gpt5&precision=f8&steps=0');
  await expect(page.getByRole('alert').first()).toContainText('preset "gpt5"');
  await expect(page.getByRole('alert').first()).toContainText('precision "f8"');
  await expect(page.getByRole('alert').first()).toContainText('steps must be');
  await expect(page.getByTestId('bench-preset')).toHaveValue('gpt2');
  await expect(page.getByTestId('bench-precision')).toHaveValue('f16');
  await expect(page.getByTestId('bench-steps')).toHaveValue('8');
  // Nothing runs without being asked.
  await expect(page.locator('#bench-json')).toHaveCount(0);
});

test('bench.html times the numbered kernel versions side by side on the same inputs', async ({
  page,
}, info) => {
  await page.goto('/bench.html?preset=tiny&precision=f32&prefill=8');
  await expect(page.getByTestId('bench-adapter')).not.toBeEmpty();
  await page.getByTestId('bench-versions-run').click();
  const json = page.locator('#bench-versions-json');
  await expect(json).toBeVisible({ timeout: 120_000 });
  const rows = JSON.parse((await json.textContent()) ?? '');
  const kinds = new Set(rows.map((r: { kind: string }) => r.kind));
  for (const kind of [
    'matvec',
    'matmul',
    'lm_head',
    'attention_decode',
    'attention_prefill',
    'topk',
  ]) {
    expect(kinds.has(kind), kind).toBe(true);
  }
  for (const r of rows) {
    expect(r.ms, `${r.kind} ${r.case} v${r.version}`).toBeGreaterThan(0);
    expect(r.diffFromV1).toBeLessThan(1e-3);
    if (r.version === 1) expect(r.ratioToV1).toBe(1);
  }
  await expect(page.getByTestId('bench-versions').locator('tbody tr')).toHaveCount(rows.length);
  await snap(page, info, 'bench-versions');
});

test('a link cannot start a large benchmark by itself: it waits for Run', async ({ page }) => {
  await page.goto('/bench.html?preset=gpt2-xl&precision=f32&prefill=8&steps=2&autostart=1');
  await expect(page.getByTestId('bench-adapter')).not.toBeEmpty();
  const held = page.getByTestId('bench-held');
  await expect(held).toContainText('GPT-2 XL benchmark at once');
  await expect(held).toContainText('press Run to start it');
  // Nothing is being built: no status, no result, the Run button ready.
  await expect(page.getByTestId('bench-status')).toHaveText('');
  await expect(page.getByTestId('bench-run')).toBeEnabled();
  await expect(page.locator('#bench-json')).toHaveCount(0);
});
