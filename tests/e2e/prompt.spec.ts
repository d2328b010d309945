import { BUNDLED, openReady } from './app.ts';
import { expect, snap, test } from './fixtures.ts';

test.describe('prompt editor', () => {
  test('shows how the prompt splits into tokens, with ids', async ({ page }, info) => {
    await openReady(page, `${BUNDLED}&prompt=`);
    const prompt = page.getByRole('textbox', { name: 'Prompt', exact: true });
    await prompt.fill('Hello world, hello GPT-2!');
    const tokens = page.getByTestId('prompt-tokens').getByRole('listitem');
    // GPT-2 BPE: Hello | ␣world | , | ␣hello | ␣G | PT | - | 2 | !
    await expect(page.getByTestId('prompt-token-count')).toHaveText('9 / 256 tokens');
    await expect(tokens).toHaveText(['Hello', ' world', ',', ' hello', ' G', 'PT', '-', '2', '!']);
    await expect(tokens.first()).toHaveAttribute('title', 'token id 15496');
    await expect(tokens.nth(1)).toHaveAttribute('title', 'token id 995');
    await page.getByLabel('Show ids').check();
    await expect(tokens.first()).toContainText('15496');
    // The prompt is in the link.
    await expect
      .poll(() => new URL(page.url()).searchParams.get('prompt'))
      .toBe('Hello world, hello GPT-2!');
    await snap(page, info, 'prompt-tokens');
    // The benchmark and self-test page is one click away.
    await page.getByRole('link', { name: 'Benchmark and self-test on this GPU' }).click();
    await expect(page).toHaveURL(/\/bench\.html$/);
    await expect(page.getByTestId('self-test-run')).toBeVisible();
  });

  test('HTML typed in the prompt is shown as text, never run', async ({ page }) => {
    await page.goto(`/?${BUNDLED}&prompt=`);
    const html = '<img src=x onerror=alert(1)><b>bold</b>';
    await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(html);
    const view = page.getByTestId('prompt-tokens');
    await expect(view).toHaveText(html);
    await expect(view.locator('img, b')).toHaveCount(0);
    // Also from a link: the prompt parameter is text too.
    await page.goto(`/?${BUNDLED}&prompt=${encodeURIComponent(html)}`);
    await expect(page.getByTestId('prompt-tokens')).toHaveText(html);
    await expect(page.locator('gpt2-app img')).toHaveCount(0);
    await page.waitForTimeout(300); // an onerror handler would have fired by now
  });

  test('an empty prompt says generation starts a new document', async ({ page }) => {
    await openReady(page, `${BUNDLED}&prompt=`);
    await expect(page.getByTestId('prompt-token-count')).toHaveText('0 / 256 tokens');
    await expect(page.getByTestId('prompt-tokens')).toContainText('<|endoftext|>');
  });
});

test.describe('settings', () => {
  test('the link sets the controls; values out of range are reported, not used', async ({
    page,
  }) => {
    await page.goto(`/?${BUNDLED}&temperature=0.5&top_k=7&top_p=0.9&max_tokens=12&seed=99`);
    await expect(page.getByTestId('f-temperature')).toHaveValue('0.5');
    await expect(page.getByTestId('f-topK')).toHaveValue('7');
    await expect(page.getByTestId('f-topP')).toHaveValue('0.9');
    await expect(page.getByTestId('f-maxNewTokens')).toHaveValue('12');
    await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('99');

    await page.goto(`/?${BUNDLED}&temperature=5&top_k=-1&seed=7`);
    const warning = page.getByTestId('message-warning');
    await expect(warning).toContainText('Some settings in the link were ignored');
    await expect(warning).toContainText('temperature');
    await expect(warning).toContainText('top_k');
    await expect(page.getByTestId('f-temperature')).toHaveValue('0.8');
    await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('7');
  });

  test('an invalid value is explained beside its field and not applied', async ({ page }) => {
    await page.goto(`/?${BUNDLED}&top_p=0.9`);
    const topP = page.getByTestId('f-topP');
    await topP.fill('0');
    await expect(topP).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert').filter({ hasText: 'Top-p must be' })).toBeVisible();
    await expect.poll(() => new URL(page.url()).searchParams.get('top_p')).toBe('0.9');
    await topP.fill('0.5');
    await expect(topP).toHaveAttribute('aria-invalid', 'false');
    await expect.poll(() => new URL(page.url()).searchParams.get('top_p')).toBe('0.5');
    await page.getByTestId('f-temperature').fill('');
    await expect(page.getByRole('alert').filter({ hasText: 'Enter a value.' })).toBeVisible();
  });
});
