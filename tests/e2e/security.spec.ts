import type { Request } from '@playwright/test';
import {
  approveHost,
  BUNDLED,
  chips,
  generateButton,
  HUB_REPO,
  openReady,
  startTinyHub,
  stopButton,
} from './app.ts';
import { expect, snap, test } from './fixtures.ts';

// What a link can and cannot make the page do, and what leaves the page.

test('a link to a model on another host asks first, naming the host, and loads only if told', async ({
  page,
}, info) => {
  const hub = await startTinyHub();
  try {
    const host = new URL(hub.baseUrl).host;
    const folder = `${hub.baseUrl}/${HUB_REPO}/resolve/main`;
    await page.goto(`/?model=${encodeURIComponent(folder)}`);
    const ask = page.getByTestId('host-approval');
    await expect(ask).toContainText(`Download a model from ${host}?`);
    await expect(ask).toContainText(folder);
    await snap(page, info, 'host-approval');
    // Nothing was fetched from that host while the page asks.
    await page.waitForTimeout(500);
    expect(hub.requests).toEqual([]);

    await page.getByTestId('host-approve').click();
    await expect(generateButton(page)).toBeEnabled();
    await expect(page.getByTestId('model-name')).toContainText(host);
    expect(hub.requests.some((r) => r.includes('/model.safetensors'))).toBe(true);

    // A hub address in a link is asked about too; declining keeps the files away.
    const before = hub.requests.length;
    const page2 = await page.context().newPage();
    await page2.goto(`/?hub=${hub.baseUrl}&${BUNDLED}`);
    await expect(page2.getByTestId('host-approval')).toContainText(`sets the model hub to ${host}`);
    await page2.getByTestId('host-decline').click();
    await expect(page2.getByTestId('host-approval')).toBeHidden();
    await expect(generateButton(page2)).toBeEnabled();
    expect(new URL(page2.url()).searchParams.get('hub')).toBeNull();
    expect(hub.requests.length).toBe(before);
    await page2.close();
  } finally {
    await hub.close();
  }
});

test.describe('the page policy', () => {
  test.use({ allowedConsoleErrors: [/Content Security Policy/] });

  test('blocks an inline script, eval, and downloads from hosts nobody approved', async ({
    page,
  }) => {
    // A script this site serves (a probe, routed by the test): scripts from the site run,
    // but eval inside them does not. (Code Playwright evaluates is exempt from the policy,
    // as the devtools console is, so the attempts must come from page scripts.)
    await page.route('**/csp-probe.js', (route) =>
      route.fulfill({
        contentType: 'text/javascript',
        body: `
          window.__probe = { ran: true };
          try { eval('1 + 1'); window.__probe.eval = 'ran'; }
          catch (e) { window.__probe.eval = e.name; }
          try { new Function('return 1')(); window.__probe.fn = 'ran'; }
          catch (e) { window.__probe.fn = e.name; }
          fetch('https://example.com/model.safetensors').then(
            () => { window.__probe.fetch = 'fetched'; },
            (e) => { window.__probe.fetch = e.name; });`,
      }),
    );
    await openReady(page, BUNDLED);
    await page.evaluate(() => {
      const w = window as unknown as { violations: string[] };
      w.violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.violations.push(e.effectiveDirective),
      );
      const inline = document.createElement('script');
      inline.textContent = 'window.__inlineRan = true';
      document.body.append(inline);
      const probe = document.createElement('script');
      probe.src = '/csp-probe.js';
      document.body.append(probe);
    });
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __probe?: object }).__probe))
      .toEqual({ ran: true, eval: 'EvalError', fn: 'EvalError', fetch: 'TypeError' });
    const { inline, violations } = await page.evaluate(() => ({
      inline: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true,
      violations: (window as unknown as { violations: string[] }).violations,
    }));
    expect(inline).toBe(false);
    expect(violations).toEqual(
      expect.arrayContaining(['script-src-elem', 'script-src', 'connect-src']),
    );
  });
});

test('no request carries the prompt or a Referer to another host', async ({ page }) => {
  const hub = await startTinyHub();
  const requests: Request[] = [];
  page.on('request', (r) => requests.push(r));
  try {
    const secret = 'zebra-umbrella-4117';
    await approveHost(page, hub.baseUrl);
    await openReady(page, `hub=${hub.baseUrl}&max_tokens=3&prompt=${secret}`);
    await generateButton(page).click();
    await expect(chips(page)).toHaveCount(3);
    const pageOrigin = new URL(page.url()).origin;
    let foreign = 0;
    for (const r of requests) {
      const headers = await r.allHeaders();
      expect(headers.referer, `${r.method()} ${r.url()}`).toBeUndefined();
      if (new URL(r.url()).origin === pageOrigin) continue;
      foreign++;
      expect(r.url()).not.toContain(secret);
      expect(r.postData() ?? '').not.toContain(secret);
    }
    expect(foreign).toBeGreaterThan(0); // the model files came from the other host
    // The shareable link keeps the prompt, on this site only.
    expect(page.url()).toContain(secret);
  } finally {
    await hub.close();
  }
});

test.describe('a lost GPU device', () => {
  // Chromium reports the crashed GPU process; the app's own message is what is checked.
  test.use({ allowedConsoleErrors: [/GPU|WebGPU|lost/i] });

  test('mid-generation: the model reloads on a new device, without a page reload', async ({
    page,
    browser,
  }) => {
    await openReady(page, `${BUNDLED}&max_tokens=200`);
    await page.evaluate(() => ((window as unknown as Record<string, unknown>).__samePage = true));
    await generateButton(page).click();
    await expect(chips(page).nth(2)).toBeVisible();
    const cdp = await browser.newBrowserCDPSession();
    await cdp.send('Browser.crashGpuProcess');
    const lost = page.getByTestId('message-error');
    await expect(lost).toContainText('The GPU device was lost');
    await expect(stopButton(page)).toBeHidden();
    const kept = await chips(page).count();
    expect(kept).toBeGreaterThan(2); // the text so far is kept
    await lost.getByRole('button', { name: 'Reload the model' }).click();
    await expect(generateButton(page)).toBeEnabled();
    await generateButton(page).click();
    await expect(chips(page).nth(5)).toBeVisible();
    await stopButton(page).click();
    expect(
      await page.evaluate(() => (window as unknown as Record<string, unknown>).__samePage),
    ).toBe(true);
  });
});
