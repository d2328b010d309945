import { expect, snap, test } from './fixtures.ts';

test('without WebGPU the page says what is missing and how to get it', async ({ page }, info) => {
  await page.addInitScript(() => {
    // As in a browser without WebGPU: no navigator.gpu at all.
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  });
  await page.goto('/?model=bundled');
  const card = page.getByTestId('no-webgpu');
  await expect(card.getByRole('heading', { name: 'WebGPU is not available here' })).toBeVisible();
  await expect(card.getByRole('alert')).toContainText('navigator.gpu is missing');
  await expect(card).toContainText('Secure origin');
  await expect(card).toContainText('chrome://flags/#enable-unsafe-webgpu');
  await expect(card).toContainText('Safari');
  await expect(card.getByRole('button', { name: 'Try again' })).toBeVisible();
  await snap(page, info, 'no-webgpu');
});

test('a browser that has WebGPU but no adapter gets the same page with the reason', async ({
  page,
}) => {
  await page.addInitScript(() => {
    GPU.prototype.requestAdapter = async () => null;
  });
  await page.goto('/?model=bundled');
  await expect(page.getByTestId('no-webgpu').getByRole('alert')).toContainText(
    'refused to give a GPU adapter',
  );
});
