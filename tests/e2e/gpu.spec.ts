import { expect, test } from '@playwright/test';

test('the page gets a WebGPU device in headless Chromium', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toContainText('GPU:');
  expect(errors).toEqual([]);
});
