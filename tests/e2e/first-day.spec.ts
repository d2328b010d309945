import type { Page } from '@playwright/test';
import {
  approveHost,
  BUNDLED,
  chipTexts,
  chips,
  generateButton,
  openReady,
  runStatus,
  stopButton,
  waitForMaxTokens,
} from './app.ts';
import { expect, snap, test } from './fixtures.ts';

// What a first-time user tripped over (issue 10), each checked as they would meet it.

const CAT = 'The cat sat on the mat'; // 6 tokens

function promptBox(page: Page) {
  return page.getByRole('textbox', { name: 'Prompt', exact: true });
}

function continueButton(page: Page) {
  return page.getByRole('button', { name: 'Continue', exact: true });
}

/** Context length of the attention map on screen (null: no map). */
async function mapLength(page: Page): Promise<number | null> {
  return page
    .locator('attention-panel')
    .evaluate((el) => (el as HTMLElementTagNameMap['attention-panel']).currentMap?.n ?? null);
}

async function mapIds(page: Page): Promise<number[]> {
  return page
    .locator('attention-panel')
    .evaluate((el) => [
      ...((el as HTMLElementTagNameMap['attention-panel']).currentMap?.ids ?? []),
    ]);
}

test.describe('editing the prompt after a run', () => {
  test('clears the output it no longer continues, says so, and Undo brings both back', async ({
    page,
  }, info) => {
    await openReady(
      page,
      `${BUNDLED}&max_tokens=4&temperature=0&prompt=${encodeURIComponent(CAT)}`,
    );
    await generateButton(page).click();
    await waitForMaxTokens(page);
    const catRun = await chipTexts(page);
    expect(catRun).toHaveLength(4);
    await expect(page.getByTestId('fig-context')).toContainText('10');
    // The last token is not in the cache yet: the map covers 9 tokens.
    await expect.poll(() => mapLength(page)).toBe(9);

    await promptBox(page).fill('Zebras are');
    // The cat run is no longer shown under the new prompt, and the screen says why.
    await expect(chips(page)).toHaveCount(0);
    await expect(page.getByTestId('output')).not.toContainText('mat');
    const note = page.getByTestId('message-info').filter({ hasText: 'Output cleared' });
    await expect(note).toContainText('It continued the previous prompt');
    // Nothing can continue a context the screen does not show.
    await expect(continueButton(page)).toBeDisabled();
    // Context and KV cache count the context on screen; no map of the old text is left.
    const promptTokens = Number(
      (await page.getByTestId('prompt-token-count').textContent())!.match(/\d+/)![0],
    );
    await expect(page.getByTestId('fig-context')).toContainText(String(promptTokens));
    await expect(page.getByTestId('fig-kv-cache')).toHaveText(/^\s*0\s+tokens/);
    await expect.poll(() => mapLength(page)).toBeNull();
    await expect(page.getByTestId('attention-status')).toBeVisible();
    await snap(page, info, 'prompt-edit-cleared');

    // Undo: the previous prompt and its output come back, and can be continued.
    await note.getByRole('button', { name: 'Undo' }).click();
    await expect(promptBox(page)).toHaveValue(CAT);
    expect(await chipTexts(page)).toEqual(catRun);
    await expect(continueButton(page)).toBeEnabled();
    await expect.poll(() => mapLength(page)).toBe(9);

    // Generate after an edit: the output and the map are the new prompt's.
    await promptBox(page).fill('Zebras are');
    await expect(chips(page)).toHaveCount(0);
    await generateButton(page).click();
    await waitForMaxTokens(page);
    await expect(chips(page)).toHaveCount(4);
    await expect(note).toBeHidden();
    await expect.poll(() => mapLength(page)).toBe(promptTokens + 3);
    const ids = await mapIds(page);
    const promptIds = await page
      .getByTestId('prompt-tokens')
      .getByRole('listitem')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
    expect(ids.slice(0, promptTokens)).toEqual(promptIds);
  });

  test('while tokens stream, the run stops and nothing of it stays under the new prompt', async ({
    page,
  }) => {
    await openReady(page, `${BUNDLED}&max_tokens=200&prompt=${encodeURIComponent(CAT)}`);
    await generateButton(page).click();
    await expect(chips(page).first()).toBeVisible();
    await promptBox(page).fill('Zebras are');
    await expect(stopButton(page)).toBeHidden();
    await expect(chips(page)).toHaveCount(0);
    // A step still in flight is dropped, not appended later.
    await page.waitForTimeout(1500);
    await expect(chips(page)).toHaveCount(0);
    await expect(runStatus(page)).toHaveText('');
    await expect(continueButton(page)).toBeDisabled();
  });

  test('an edit that keeps the same tokens keeps the output', async ({ page }) => {
    await openReady(
      page,
      `${BUNDLED}&max_tokens=2&temperature=0&prompt=${encodeURIComponent(CAT)}`,
    );
    await generateButton(page).click();
    await waitForMaxTokens(page);
    // Re-typed or pasted again: the same tokens, the same run.
    await promptBox(page).fill(CAT);
    await expect(chips(page)).toHaveCount(2);
    await expect(continueButton(page)).toBeEnabled();
  });
});

test.describe('settings a newcomer types', () => {
  test('invalid fields block Generate with the reason, each says why, sliders keep their value', async ({
    page,
  }) => {
    await openReady(page, `${BUNDLED}&max_tokens=3&temperature=0.5&prompt=Hi`);
    const temperature = page.getByTestId('f-temperature');
    const maxTokens = page.getByTestId('f-maxNewTokens');
    await maxTokens.fill('');
    await temperature.fill('5');
    // Both errors at once: a blank field does not hide the other's.
    await expect(page.getByRole('alert').filter({ hasText: 'Enter a value.' })).toBeVisible();
    await expect(temperature).toHaveAttribute('aria-invalid', 'true');
    await expect(maxTokens).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert').filter({ hasText: /Temperature must be/ })).toBeVisible();
    // The sliders stay where the settings in use are, not at their midpoints.
    await expect(page.getByRole('slider', { name: 'Temperature slider' })).toHaveValue('0.5');
    await expect(page.getByRole('slider', { name: 'Max new tokens slider' })).toHaveValue('3');
    // Generate (button and shortcut) is blocked, and the hint says why.
    await expect(generateButton(page)).toBeDisabled();
    await expect(page.getByTestId('generate-hint')).toContainText(
      'Fix temperature, max new tokens first',
    );
    await promptBox(page).press('Control+Enter');
    await page.waitForTimeout(500);
    await expect(chips(page)).toHaveCount(0);
    // "e" typed in the box (not a number yet) is an error too, not the last valid value.
    await temperature.fill('');
    await temperature.pressSequentially('e');
    await expect(temperature).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('slider', { name: 'Temperature slider' })).toHaveValue('0.5');
    await expect(generateButton(page)).toBeDisabled();
    await temperature.fill('0.7');
    await expect(generateButton(page)).toBeDisabled();
    await maxTokens.fill('2');
    await expect(generateButton(page)).toBeEnabled();
    await expect(page.getByTestId('generate-hint')).toBeHidden();
    await expect.poll(() => new URL(page.url()).searchParams.get('max_tokens')).toBe('2');
  });

  test('top-k stops at the vocabulary and the max-tokens slider reaches the box’s limit', async ({
    page,
  }) => {
    await openReady(page, `${BUNDLED}&prompt=Hi`);
    await expect(page.getByRole('slider', { name: 'Max new tokens slider' })).toHaveAttribute(
      'max',
      '1024',
    );
    const topK = page.getByTestId('f-topK');
    await topK.fill('1e9');
    await expect(page.getByRole('alert').filter({ hasText: /50257/ })).toBeVisible();
    await expect(generateButton(page)).toBeDisabled();
    await topK.fill('50257');
    await expect(generateButton(page)).toBeEnabled();
    // From a link too: reported and not used.
    await page.goto(`/?${BUNDLED}&top_k=1000000000`);
    await expect(page.getByTestId('message-warning')).toContainText('top_k');
    await expect(page.getByTestId('f-topK')).toHaveValue('40');
  });
});

test.describe('running and reading a run', () => {
  test('focus stays on the run button as Generate turns into Stop and back; Enter stops', async ({
    page,
  }) => {
    await openReady(page, `${BUNDLED}&max_tokens=200&prompt=Hi`);
    const run = page.getByTestId('run-button');
    await run.focus();
    await page.keyboard.press('Enter');
    await expect(run).toHaveAccessibleName('Stop');
    await expect(chips(page).first()).toBeVisible();
    await expect(run).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(runStatus(page)).toHaveText('Stopped.');
    await expect(run).toHaveAccessibleName('Generate');
    await expect(run).toBeFocused();
  });

  test('greedy chips and alternatives keep the model’s own probability beside the drawn one', async ({
    page,
  }) => {
    await openReady(
      page,
      `${BUNDLED}&max_tokens=3&temperature=0&prompt=${encodeURIComponent(CAT)}`,
    );
    await generateButton(page).click();
    await waitForMaxTokens(page);
    const label = await chips(page).first().getAttribute('aria-label');
    expect(label).toMatch(/, 100%, greedy \(T 0\), model \d+(\.\d+)?%$/);
    await chips(page).first().hover();
    const alts = page.getByTestId('popover-alternatives').getByRole('listitem');
    // Each alternative: cut by greedy sampling, and the model's own probability beside it.
    await expect(alts.nth(1)).toContainText('cut');
    await expect(alts.nth(1)).toContainText(/\d%/);
    await expect(page.getByTestId('popover-prob')).toContainText('model');
  });

  test('a new temperature is previewed on the last step at once, both columns labelled', async ({
    page,
  }) => {
    await openReady(
      page,
      `${BUNDLED}&max_tokens=2&temperature=0.8&prompt=${encodeURIComponent(CAT)}`,
    );
    await generateButton(page).click();
    await waitForMaxTokens(page);
    const chart = page.getByTestId('temp-chart');
    await expect(page.getByTestId('temp-chart-t')).toHaveText('T = 0.8');
    const before = await chart.getByRole('listitem').first().textContent();
    await page.getByTestId('f-temperature').fill('1.6');
    await expect(page.getByTestId('temp-chart-t')).toHaveText('T = 1.6');
    await expect(page.getByTestId('temp-chart-note')).toContainText(
      'Previewing your new temperature',
    );
    await expect(chart.getByRole('listitem').first()).not.toHaveText(before!);
    // Nothing was sampled again.
    await expect(chips(page)).toHaveCount(2);
  });

  test('the last chip says why the attention maps do not cover it yet', async ({ page }) => {
    await openReady(
      page,
      `${BUNDLED}&max_tokens=3&temperature=0&prompt=${encodeURIComponent(CAT)}`,
    );
    await generateButton(page).click();
    await waitForMaxTokens(page);
    await chips(page).nth(2).click();
    await expect(page.getByTestId('popover-unread')).toContainText('Not in the attention maps yet');
    // Under the microscope it is shown all the same.
    await expect(page.getByTestId('microscope-step')).toContainText('token 3 of 3');
    await chips(page).nth(1).click();
    await chips(page).nth(1).hover();
    await expect(page.getByTestId('popover-unread')).toBeHidden();
  });

  test('a prompt too long for the model says so at the counter and blocks Generate until shortened', async ({
    page,
  }) => {
    await openReady(page, `${BUNDLED}&prompt=`);
    await promptBox(page).fill(`The${' the'.repeat(299)}`);
    await expect(page.getByTestId('prompt-token-count')).toHaveText('300 / 256 tokens');
    await expect(page.getByTestId('prompt-limit')).toContainText('Shorten the prompt by 45 tokens');
    await expect(generateButton(page)).toBeDisabled();
    await expect(page.getByTestId('generate-hint')).toContainText('shorten it by 45');
    await expect(page.getByTestId('message-error')).toHaveCount(0);
    await promptBox(page).fill(`The${' the'.repeat(254)}`);
    await expect(page.getByTestId('prompt-token-count')).toHaveText('255 / 256 tokens');
    await expect(page.getByTestId('prompt-limit')).toBeHidden();
    await expect(generateButton(page)).toBeEnabled();
  });
});

test.describe('layout, theme and wording', () => {
  test('in a 400 px window the sampling controls come right after the output', async ({ page }) => {
    await page.setViewportSize({ width: 400, height: 900 });
    await openReady(page, `${BUNDLED}&prompt=Hi`);
    const top = async (selector: string) => (await page.locator(selector).boundingBox())!.y;
    const output = await page.locator('token-output').boundingBox();
    const sampling = await top('sampling-controls');
    expect(sampling).toBeGreaterThan(output!.y + output!.height);
    expect(sampling - (output!.y + output!.height)).toBeLessThan(200);
    expect(sampling).toBeLessThan(await top('attention-panel'));
    expect(sampling).toBeLessThan(await top('step-microscope'));
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
      .toBeLessThanOrEqual(400);
  });

  test('the header is one row at 1280 px, and prompt tokens keep their leading space', async ({
    page,
  }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openReady(page, `${BUNDLED}&prompt=${encodeURIComponent('word '.repeat(60))}`);
    const header = await page.locator('gpt2-app header.top').boundingBox();
    const picker = await page.locator('model-picker').boundingBox();
    const status = await page.locator('gpu-status').boundingBox();
    // One row: the status sits beside the picker, not under it.
    expect(Math.abs(status!.y - picker!.y)).toBeLessThan(picker!.height);
    expect(header!.height).toBeLessThan(90);
    // Every piece is one box: " word" never breaks between its space and the word.
    const pieces = page.getByTestId('prompt-tokens').getByRole('listitem');
    const broken = await pieces.evaluateAll(
      (els) => els.filter((e) => e.getClientRects().length > 1).length,
    );
    expect(broken).toBe(0);
  });

  test('an empty attention panel says so once, with no empty canvas or zoom buttons', async ({
    page,
  }) => {
    await openReady(page, `${BUNDLED}&prompt=Hi`);
    const panel = page.locator('attention-panel');
    await expect(panel.getByTestId('attention-status')).toHaveText(
      'No attention maps yet: generate some text to see where each token looks.',
    );
    await expect(panel.locator('canvas')).toHaveCount(0);
    await expect(panel.getByRole('button', { name: 'Fit' })).toHaveCount(0);
    // Said once: no second "no map" line, no placeholder in an empty square.
    await expect(panel.getByText(/yet/)).toHaveCount(1);
  });

  test('in dark mode the logit lens and head thumbnails follow the dark ramp, as the heatmap does', async ({
    page,
  }) => {
    await page.setViewportSize({ width: 1280, height: 1800 });
    await openReady(
      page,
      `${BUNDLED}&max_tokens=3&temperature=0&prompt=${encodeURIComponent(CAT)}`,
    );
    await generateButton(page).click();
    await waitForMaxTokens(page);
    const cell = page.getByTestId('logit-lens').locator('td .cell').first();
    await expect(cell).toBeVisible();
    const lightBg = await cell.evaluate((e) => getComputedStyle(e).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    // Redrawn on the switch.
    await expect
      .poll(() => cell.evaluate((e) => getComputedStyle(e).backgroundColor))
      .not.toBe(lightBg);
    const lum = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const cells = page.getByTestId('logit-lens').locator('tbody td .cell');
    const bgs = await cells.evaluateAll((els) =>
      els.map((e) => ({
        bg: getComputedStyle(e).backgroundColor,
        p: Number((e.textContent ?? '').match(/([\d.]+)%/)?.[1] ?? NaN),
      })),
    );
    const withP = bgs.filter((c) => Number.isFinite(c.p)).sort((a, b) => a.p - b.p);
    // Dark ramp: the likeliest cell is the brightest, as on the dark heatmap.
    expect(lum(withP[withP.length - 1].bg)).toBeGreaterThan(lum(withP[0].bg));
    // The head thumbnails were repainted too: their first pixel is token 0 attending to
    // itself (weight 1), the dark end of the light ramp and the bright end of the dark one.
    expect(await firstThumbPixel(page)).toBeGreaterThan(600);
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => firstThumbPixel(page)).toBeLessThan(250);
  });
});

/** r + g + b of the first pixel of head 0's thumbnail. */
async function firstThumbPixel(page: Page): Promise<number> {
  return page
    .locator('attention-panel attention-grid canvas')
    .first()
    .evaluate((c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 1, 1).data;
      return d[0] + d[1] + d[2];
    });
}

test.describe('models: the link and the picker keep what was asked for', () => {
  test.use({ allowedConsoleErrors: [/Failed to load resource/] });

  test('the offline fallback keeps the requested model in the link, so a reload tries it again', async ({
    page,
  }) => {
    await approveHost(page, 'http://127.0.0.1:9');
    await page.goto('/?hub=http://127.0.0.1:9');
    await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
    await expect(page.getByTestId('message-warning')).toContainText('could not be reached');
    await expect
      .poll(() => new URL(page.url()).searchParams.get('model'))
      .toBe('hf:openai-community/gpt2');
    await page.reload();
    await expect(page.getByTestId('message-warning')).toContainText('could not be reached');
    await expect(
      page.getByTestId('message-warning').getByRole('button', { name: 'Try again' }),
    ).toBeVisible();
  });

  test('a failed hub load keeps the typed repo id for correction; no offer of the model in use', async ({
    page,
  }) => {
    await approveHost(page, 'http://127.0.0.1:9');
    await page.goto('/?hub=http://127.0.0.1:9&model=bundled');
    await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
    await page.getByRole('combobox', { name: 'Model' }).selectOption({ label: 'Hub repo id…' });
    const field = page.getByRole('textbox', { name: 'Hub repo id' });
    await field.fill('someone/typo-gpt2');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    const error = page.getByTestId('message-error');
    await expect(error).toContainText('Could not load someone/typo-gpt2');
    await expect(field).toHaveValue('someone/typo-gpt2');
    await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue(/other|hub/i);
    // The bundled model is the one in use: it is not offered again.
    await expect(error.getByRole('button', { name: 'Load the bundled model' })).toHaveCount(0);
  });
});

test.describe('screen readers', () => {
  test('Stop, newline chips and prompt tokens are named by what they say', async ({ page }) => {
    await openReady(page, `${BUNDLED}&max_tokens=200&prompt=`);
    await promptBox(page).fill('Hello\n world');
    const pieces = page.getByTestId('prompt-tokens').getByRole('listitem');
    await expect(pieces.first()).toHaveAccessibleName('Hello, token id 15496');
    await expect(pieces.nth(1)).toHaveAccessibleName(/^newline, token id \d+$/);
    await expect(pieces.nth(2)).toHaveAccessibleName(/^world \(after a space\), token id \d+$/);
    await generateButton(page).click();
    await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
    await expect(chips(page).nth(1)).toBeVisible();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    // Chips are named by their spoken text: none holds a raw newline.
    const names = await chips(page).evaluateAll((els) =>
      els.map((e) => e.getAttribute('aria-label') ?? ''),
    );
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).not.toMatch(/\n/);
  });
});

test.describe('/bench.html', () => {
  test('a run can be cancelled; invalid numbers say why and block Run; the model shape is uncut', async ({
    page,
  }) => {
    await page.goto('/bench.html?preset=gpt2&precision=f16&prefill=8&steps=2&peak_mb=8');
    await expect(page.getByTestId('bench-adapter')).not.toBeEmpty();
    // Every option of the model shape fits in its box (text plus the arrow).
    const room = await page.getByTestId('bench-preset').evaluate((el) => {
      const select = el as HTMLSelectElement;
      const style = getComputedStyle(select);
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const widest = Math.max(
        ...[...select.options].map((o) => ctx.measureText(o.text.trim()).width),
      );
      const inner =
        select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return inner - widest;
    });
    expect(room).toBeGreaterThan(20);

    const run = page.getByTestId('bench-run');
    const prefill = page.getByTestId('bench-prefill');
    const steps = page.getByTestId('bench-steps');
    await prefill.fill('0');
    await steps.fill('2.5');
    await expect(page.getByRole('alert').filter({ hasText: 'Prefill tokens must be' })).toHaveText(
      'Prefill tokens must be a whole number from 1 to 65535, got "0".',
    );
    await expect(page.getByRole('alert').filter({ hasText: 'Decode steps must be' })).toContainText(
      'got "2.5"',
    );
    await expect(prefill).toHaveAttribute('aria-invalid', 'true');
    await expect(run).toBeDisabled();
    await steps.press('Enter');
    await expect(page.getByTestId('bench-status')).toHaveText('');
    await prefill.fill('8');
    await expect(run).toBeDisabled();
    await steps.fill('2');
    await expect(run).toBeEnabled();
    await expect(page.getByRole('alert')).toHaveCount(0);

    // GPT-2 small's checkpoint takes a while to make: Cancel stops it, nothing is measured.
    await run.click();
    const cancel = page.getByTestId('bench-cancel');
    await expect(cancel).toBeVisible();
    await cancel.click();
    await expect(page.getByTestId('bench-status')).toHaveText(
      'Benchmark cancelled: nothing was measured.',
    );
    await expect(cancel).toBeHidden();
    await expect(run).toBeEnabled();
    await expect(page.locator('#bench-json')).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});
