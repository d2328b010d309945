import { GPT2_PRESETS, gpt2ParameterCount } from '../../src/model/config.ts';
import { expect, snap, test } from './fixtures.ts';

// The tiny preset and a short prefill: SwiftShader is a CPU, this checks the page, not speed.

test('bench.html runs the benchmark on this GPU and puts the result JSON in the page', async ({
  page,
}, info) => {
  await page.goto('/bench.html?preset=tiny&precision=f32&prefill=8&steps=2&autostart=1');
  const adapter = page.getByTestId('bench-adapter');
  await expect(adapter).not.toBeEmpty();
  const json = page.locator('#bench-json');
  await expect(json).toBeVisible({ timeout: 120_000 });
  const r = JSON.parse((await json.textContent()) ?? '');
  expect(r.adapter).toBe(await adapter.textContent());
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
  await snap(page, info, 'bench');

  // A second run from the form, f16 weights: both runs listed, the JSON is the latest.
  await page.getByTestId('bench-precision').selectOption('f16');
  await page.getByTestId('bench-run').click();
  await expect(page.getByRole('table')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('table').locator('tbody tr')).toHaveCount(2);
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
