import {
  BUNDLED,
  chipTexts,
  cliGenerate,
  chips,
  generateButton,
  openReady,
  runStatus,
  stopButton,
  waitForMaxTokens,
} from './app.ts';
import { expect, snap, test } from './fixtures.ts';

// Generation on SwiftShader takes a while per token: runs here stay a few tokens long.

test('type a prompt, generate, see probability-coloured chips and their alternatives', async ({
  page,
}, info) => {
  await openReady(page, `${BUNDLED}&max_tokens=6&temperature=0.8&seed=42&prompt=`);
  await expect(page.getByTestId('adapter-name')).not.toBeEmpty();
  await expect(page.getByTestId('precision')).toHaveText('f16');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Once upon a time');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).press('Control+Enter');
  await expect(stopButton(page)).toBeVisible();
  await waitForMaxTokens(page);
  await expect(chips(page)).toHaveCount(6);
  await expect(generateButton(page)).toBeEnabled();
  // The same text as the engine's CLI gives in Node for the same prompt, seed and settings.
  const cli = cliGenerate([
    '--prompt',
    'Once upon a time',
    '--max-tokens',
    '6',
    '--temperature',
    '0.8',
    '--top-k',
    '40',
    '--top-p',
    '0.95',
    '--seed',
    '42',
    '--f16',
  ]);
  expect((await chipTexts(page)).join('')).toBe(cli.text);
  // Every chip is in a probability bin and tells its probability and settings.
  for (const chip of await chips(page).all()) {
    await expect(chip).toHaveClass(/\bb[0-4]\b/);
    await expect(chip).toHaveAttribute(
      'aria-label',
      /%, T 0\.8 · top-k 40 · top-p 0\.95 · seed 42/,
    );
  }
  await expect(page.getByTestId('fig-ttft')).not.toHaveText('–');
  await expect(page.getByTestId('fig-context')).toContainText('10');
  // The last token has not been through the model yet: 9 tokens of keys and values, each
  // 2 x 4 layers x 128 channels x 4 bytes, of 256 x 4096 bytes for the whole window.
  await expect(page.getByTestId('fig-kv-cache')).toHaveText(
    /^\s*9\s+tokens\s+·\s+36\.9 kB of 1\.0 MB\s*$/,
  );
  await expect(page.getByTestId('temp-chart').getByRole('listitem').first()).toBeVisible();
  // The popover of a chip: the alternatives as a bar chart, and the settings.
  await chips(page).nth(2).hover();
  const popover = page.getByTestId('token-popover');
  await expect(popover).toBeVisible();
  await expect(page.getByTestId('token-settings')).toHaveText(
    'Drawn with T 0.8 · top-k 40 · top-p 0.95 · seed 42',
  );
  await expect(popover.getByRole('button', { name: /^Branch with/ }).first()).toBeVisible();
  // Pipelined decode: the GPU had chosen this token itself and gone on to the next.
  await expect(popover).toContainText('had started on the next token before the CPU checked it');
  await snap(page, info, 'generate-popover');
  // Dark theme and a narrow window.
  await page.emulateMedia({ colorScheme: 'dark' });
  await snap(page, info, 'generate-popover-dark');
  await page.mouse.move(0, 0);
  await page.setViewportSize({ width: 420, height: 900 });
  // Nothing sticks out sideways in a narrow window.
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
    .toBeLessThanOrEqual(420);
  await snap(page, info, 'narrow-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 720 });
  // Keyboard: Escape closes it.
  await chips(page).nth(2).focus();
  await expect(popover).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(popover).toBeHidden();
  // The same seed and settings give the same tokens (what a shared link relies on).
  const first = await chipTexts(page);
  await generateButton(page).click();
  await waitForMaxTokens(page);
  expect(await chipTexts(page)).toEqual(first);
});

test('a temperature changed while tokens stream applies to the next tokens', async ({ page }) => {
  await openReady(page, `${BUNDLED}&max_tokens=24&temperature=0.8&seed=1&prompt=The`);
  await generateButton(page).click();
  await expect(chips(page).first()).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('f-temperature').fill('1.5');
  await waitForMaxTokens(page);
  await expect(chips(page).first()).toHaveAttribute('aria-label', /T 0\.8 ·/);
  await expect(chips(page).last()).toHaveAttribute('aria-label', /T 1\.5 ·/);
  // The link carries the new setting.
  expect(new URL(page.url()).searchParams.get('temperature')).toBe('1.5');
  await chips(page).last().hover();
  await expect(page.getByTestId('token-settings')).toContainText('T 1.5');
});

test('clicking an alternative branches the text there and goes on from it', async ({
  page,
}, info) => {
  await openReady(page, `${BUNDLED}&max_tokens=3&temperature=0.8&seed=5&prompt=Hello`);
  await generateButton(page).click();
  await waitForMaxTokens(page);
  const before = await chipTexts(page);
  await chips(page).nth(1).click(); // pins the popover
  const alternative = page
    .getByTestId('token-popover')
    .getByRole('button', { name: /^Branch with/ })
    .first();
  const id = Number((await alternative.getAttribute('title'))?.match(/^id (\d+)/)?.[1]);
  expect(Number.isInteger(id)).toBe(true);
  await alternative.click();
  await expect(page.getByTestId('token-popover')).toBeHidden();
  // Cut at token 2, the alternative in its place, then 3 new tokens after it.
  await waitForMaxTokens(page);
  await expect(chips(page)).toHaveCount(5);
  await expect(chips(page).nth(1)).toHaveClass(/branched/);
  await expect(chips(page).first()).toHaveText(before[0]);
  await expect(chips(page).nth(1)).toHaveAttribute('aria-label', /your branch/);
  await snap(page, info, 'branch');
  // The same from the keyboard: arrows between chips, Enter opens the alternatives.
  await chips(page).nth(1).focus();
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowLeft');
  await expect(chips(page).first()).toBeFocused();
  await page.keyboard.press('Enter');
  const first = page.getByTestId('token-popover').getByRole('button', { name: /^Branch with/ });
  await expect(first.first()).toBeFocused();
  await page.keyboard.press('Enter');
  await waitForMaxTokens(page);
  await expect(chips(page)).toHaveCount(4);
  await expect(chips(page).first()).toHaveClass(/branched/);
});

test('Stop halts at once, Continue goes on, Clear empties the output', async ({ page }) => {
  await openReady(page, `${BUNDLED}&max_tokens=200&temperature=1&seed=2&prompt=It%20was`);
  await generateButton(page).click();
  await expect.poll(() => chips(page).count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await stopButton(page).click();
  await expect(runStatus(page)).toHaveText('Stopped.', { timeout: 1000 });
  await expect(generateButton(page)).toBeVisible({ timeout: 1000 });
  const stoppedAt = await chips(page).count();
  // A step still on the GPU when Stop was pressed is dropped.
  await page.waitForTimeout(1500);
  await expect(chips(page)).toHaveCount(stoppedAt);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect
    .poll(() => chips(page).count(), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(stoppedAt + 2);
  await page.keyboard.press('Escape');
  await expect(runStatus(page)).toHaveText('Stopped.', { timeout: 1000 });
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(chips(page)).toHaveCount(0);
});

test('a prompt longer than the context is refused, and a run stops when the context is full', async ({
  page,
}) => {
  // The bundled model reads 256 tokens; " the" is one token.
  const long = `The${' the'.repeat(299)}`;
  await openReady(page, `${BUNDLED}&max_tokens=20&temperature=0&prompt=`);
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(long);
  await expect(page.getByTestId('prompt-token-count')).toHaveText('300 / 256 tokens');
  // Refused before anything runs: Generate is blocked and says why.
  await expect(generateButton(page)).toBeDisabled();
  await expect(page.getByTestId('generate-hint')).toContainText(
    'this model reads at most 256, including the one to generate',
  );
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).press('Control+Enter');
  await expect(chips(page)).toHaveCount(0);
  // 250 tokens and 20 asked for: it stops at the 256th and says why.
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(`The${' the'.repeat(249)}`);
  await expect(page.getByTestId('prompt-token-count')).toHaveText('250 / 256 tokens');
  await generateButton(page).click();
  await expect(runStatus(page)).toHaveText('The context window is full.');
  await expect(chips(page)).toHaveCount(6);
  await expect(page.getByTestId('fig-context')).toContainText('256');
  await expect(page.getByTestId('message-error')).toBeHidden();
});

test('Step generates exactly one token at a time, the same tokens as a run with the seed', async ({
  page,
}) => {
  await openReady(
    page,
    `${BUNDLED}&max_tokens=3&temperature=0.9&seed=3&prompt=It%20is%20a%20truth`,
  );
  const step = page.getByRole('button', { name: 'Step', exact: true });
  await step.click();
  await expect(runStatus(page)).toHaveText('One token generated: Step again for the next.');
  await expect(chips(page)).toHaveCount(1);
  await step.click();
  await expect(chips(page)).toHaveCount(2);
  await step.click();
  await expect(chips(page)).toHaveCount(3);
  await expect(runStatus(page)).toHaveText('One token generated: Step again for the next.');
  const stepped = await chipTexts(page);
  await generateButton(page).click();
  await waitForMaxTokens(page);
  expect(await chipTexts(page)).toEqual(stepped);
});
