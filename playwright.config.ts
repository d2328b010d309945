import { defineConfig } from '@playwright/test';

// E2E_PORT lets several checkouts run their end-to-end tests side by side.
const port = Number(process.env.E2E_PORT ?? 4173);
/** Pages that exist only for tests (tests/e2e/stand-in/, built into dist-stand-in/): port + 100. */
const standInPort = port + 100;

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  projects: [
    // The e2e tests wait mostly on SwiftShader compiling the kernels in the browser's GPU
    // process, on one core: `npm test` runs this project with two workers (scripts/test.mjs).
    { name: 'app', testIgnore: /page-keeps-up\.spec\.ts/, fullyParallel: true },
    // It measures how long the page's tasks take: run alone, with nothing else on the CPU.
    { name: 'timing', testMatch: /page-keeps-up\.spec\.ts/ },
  ],
  outputDir: 'test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--enable-unsafe-webgpu',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: [
    {
      command: `npx vite preview --port ${port} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${port}/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `npx vite preview --config tests/e2e/stand-in/vite.config.ts --port ${standInPort} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${standInPort}/tests/e2e/stand-in/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
