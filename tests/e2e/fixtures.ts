/**
 * The e2e tests' `test`: every page fails its test on a page error, a console error, a
 * WebGPU validation message or a dialog (an injected alert() would be one), unless the
 * test declares the console errors it expects (a download answered with 500 logs one).
 * `snap` keeps a screenshot of a view under test-results/screenshots/ as an artifact.
 */
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';

export { expect };

export interface PlaygroundFixtures {
  /** Console errors a test expects (matched against the message text). */
  allowedConsoleErrors: RegExp[];
}

/** Chromium's wording for WebGPU errors nobody handled (logged as warnings). */
const WEBGPU_PROBLEM =
  /WebGPU|GPUValidationError|Invalid (Buffer|BindGroup|ComputePipeline|CommandBuffer)|\[Invalid /;

export const test = base.extend<PlaygroundFixtures>({
  allowedConsoleErrors: [[], { option: true }],
  page: async ({ page, allowedConsoleErrors }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text();
      if (m.type() === 'error' && !allowedConsoleErrors.some((r) => r.test(text))) {
        problems.push(`console error: ${text}`);
      } else if (m.type() === 'warning' && WEBGPU_PROBLEM.test(text)) {
        problems.push(`WebGPU warning: ${text}`);
      }
    });
    page.on('dialog', (d) => {
      problems.push(`dialog (${d.type()}): ${d.message()}`);
      void d.dismiss();
    });
    await use(page);
    expect(problems, 'errors on the page').toEqual([]);
  },
});

const SCREENSHOTS = 'test-results/screenshots';

/** Saves a full-page screenshot as test-results/screenshots/NAME.png and attaches it. */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}/${name}.png`;
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
