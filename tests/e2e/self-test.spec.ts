import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, snap, test } from './fixtures.ts';

// The self-test panel sits on /bench.html beside the benchmark. It runs the bundled model
// (weights/tiny-trained) against its reference.json. SwiftShader decodes slowly: f32 only,
// and three greedy steps per prompt instead of twenty.

const REFERENCE = 'weights/tiny-trained/reference.json';

async function runSelfTest(page: Page): Promise<void> {
  await page.goto('/bench.html');
  await page.getByTestId('self-test-storage').selectOption('f32');
  await page.locator('self-test-panel').evaluate((el) => {
    (el as HTMLElementTagNameMap['self-test-panel']).maxGreedySteps = 3;
  });
  await page.getByTestId('self-test-run').click();
  await expect(page.getByTestId('self-test-verdict')).toBeVisible({ timeout: 150_000 });
}

test('the bundled model passes the self-test on this GPU, with its error reported', async ({
  page,
}, info) => {
  await runSelfTest(page);
  await expect(page.getByTestId('self-test-verdict')).toContainText('Pass');
  const result = await page
    .locator('self-test-panel')
    .evaluate((el) => (el as HTMLElementTagNameMap['self-test-panel']).result);
  const reference = JSON.parse(readFileSync(REFERENCE, 'utf8'));
  expect(result?.pass).toBe(true);
  expect(result?.gpuErrors).toEqual([]);
  expect(result?.outcomes).toHaveLength(1);
  const report = result!.outcomes[0].report!;
  expect(report.storage).toBe('f32');
  expect(report.prompts).toHaveLength(reference.prompts.length);
  // f32 on the GPU against float64: far inside the 1e-3 tolerance.
  expect(report.worstRelError).toBeLessThan(1e-4);
  for (const [i, p] of report.prompts.entries()) {
    expect(p.greedyGot).toEqual(reference.prompts[i].greedy.slice(0, 3));
  }
  await expect(page.getByTestId('self-test-f32').locator('tbody tr')).toHaveCount(
    reference.prompts.length,
  );
  await snap(page, info, 'self-test-pass');
});

test('a reference the GPU does not match fails the self-test and says where', async ({
  page,
}, info) => {
  const reference = JSON.parse(readFileSync(REFERENCE, 'utf8'));
  // Prompt 0: one logit off by 5% of the range. Prompt 1: a greedy token that is not the argmax.
  const p0 = reference.prompts[0];
  const range = Math.max(...p0.logits_last) - Math.min(...p0.logits_last);
  p0.logits_last[1000] += 0.05 * range;
  reference.prompts[1].greedy[1] = (reference.prompts[1].greedy[1] + 1) % 50257;
  await page.route('**/weights/tiny-trained/reference.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify(reference) }),
  );
  await runSelfTest(page);
  await expect(page.getByTestId('self-test-verdict')).toContainText('Fail');
  const table = page.getByTestId('self-test-f32');
  await expect(table.locator('tbody tr').nth(0)).toContainText('logits differ');
  await expect(table.locator('tbody tr').nth(0)).toContainText('token 1000');
  await expect(table.locator('tbody tr').nth(1)).toContainText('greedy tokens differ at step 1');
  await expect(table.locator('tbody tr').nth(2)).toContainText('✓');
  const result = await page
    .locator('self-test-panel')
    .evaluate((el) => (el as HTMLElementTagNameMap['self-test-panel']).result);
  const prompts = result!.outcomes[0].report!.prompts;
  expect(prompts[0].relError).toBeCloseTo(0.05, 3);
  expect(prompts.map((p) => p.pass)).toEqual([false, false, true]);
  await snap(page, info, 'self-test-fail');
});

test.describe('without reference values', () => {
  test.use({ allowedConsoleErrors: [/404/] });

  test('says it cannot run rather than passing', async ({ page }) => {
    await page.route('**/weights/tiny-trained/reference.json', (route) =>
      route.fulfill({ status: 404, body: 'not here' }),
    );
    await page.goto('/bench.html');
    await page.getByTestId('self-test-run').click();
    await expect(page.getByTestId('self-test-verdict')).toContainText('Could not run', {
      timeout: 60_000,
    });
    await expect(page.getByTestId('self-test-verdict')).toContainText('reference.json');
  });
});
