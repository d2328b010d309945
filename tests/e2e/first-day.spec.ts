import type { Page } from '@playwright/test';
import {
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
  return page.getByRole('textbox', { name: 'Prompt' });
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
