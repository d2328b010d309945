/**
 * Driving the playground from tests: open it on a model and wait until it can generate,
 * find the output chips, read a run's status. Also a hub stand-in serving a small random
 * GPT-2 checkpoint (the hub itself is not reachable from CI).
 */
import type { Locator, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makeRandomCheckpoint } from '../../src/model/random-checkpoint.ts';
import { startHubServer, type HubServer, type HubServerOptions } from '../helpers/hub-server.ts';
import { expect } from './fixtures.ts';

/** The model the generation tests run: the one bundled with the app. */
export const BUNDLED = 'model=bundled';
/** Opens the app with `query` and waits for the model to be loaded and idle. */
export async function openReady(page: Page, query: string): Promise<void> {
  await page.goto(`/?${query}`);
  await expect(page.getByTestId('model-name')).toBeVisible();
  await expect(generateButton(page)).toBeEnabled();
}

/**
 * As if the user had approved downloads from `baseUrl`'s host earlier in this tab (the
 * approval itself is tested in security.spec.ts): set before the next page load.
 */
export async function approveHost(page: Page, baseUrl: string): Promise<void> {
  await page.addInitScript((origin) => {
    const key = 'gpt2-playground:approved-hosts';
    const list = JSON.parse(sessionStorage.getItem(key) ?? '[]') as string[];
    if (!list.includes(origin)) sessionStorage.setItem(key, JSON.stringify([...list, origin]));
  }, new URL(baseUrl).origin);
}

export function generateButton(page: Page): Locator {
  return page.getByRole('button', { name: 'Generate', exact: true });
}

export function stopButton(page: Page): Locator {
  return page.getByRole('button', { name: /Stop/ });
}

export function chips(page: Page): Locator {
  return page.locator('token-output .chip');
}

export function runStatus(page: Page): Locator {
  return page.getByTestId('run-status');
}

/** The texts of the output chips. */
export async function chipTexts(page: Page): Promise<string[]> {
  return chips(page).allTextContents();
}

/** Waits for the run to end with the max-new-tokens stop. */
export async function waitForMaxTokens(page: Page): Promise<void> {
  await expect(runStatus(page)).toHaveText('Reached the max new tokens.');
}

export const HUB_REPO = 'openai-community/gpt2';

/** A 2-layer GPT-2 with the real vocabulary (7 MB in F16), made once per worker. */
let checkpoint: ReturnType<typeof makeRandomCheckpoint> | undefined;
export function tinyCheckpoint(): ReturnType<typeof makeRandomCheckpoint> {
  checkpoint ??= makeRandomCheckpoint({ preset: 'tiny', dtype: 'F16', seed: 3 });
  return checkpoint;
}

/**
 * A local hub serving the tiny checkpoint as openai-community/gpt2 (the app's default
 * model), with optional faults per file ("openai-community/gpt2/model.safetensors").
 */
export async function startTinyHub(
  options: HubServerOptions & { safetensors?: Uint8Array } = {},
): Promise<HubServer> {
  const c = tinyCheckpoint();
  return startHubServer(
    {
      [`${HUB_REPO}/config.json`]: c.configJson,
      [`${HUB_REPO}/model.safetensors`]: options.safetensors ?? c.safetensors,
    },
    options,
  );
}

/**
 * One of the engine's CLIs (src/cli/SCRIPT.ts) run in Node (Dawn) on the bundled model with
 * --json: the last line of its output, parsed. The numbers the page must show.
 */
function cliJson<T>(script: string, args: string[], timeout: number): T {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      './src/cli/register-raw.mjs',
      `src/cli/${script}.ts`,
      ...args,
      '--model',
      'weights/tiny-trained',
      '--json',
    ],
    { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** `npm run generate` on the bundled model: the text the page must show for the same run. */
export function cliGenerate(args: string[]): { ids: number[]; text: string } {
  return cliJson('generate', args, 120_000);
}

/** `npm run inspect -- COMMAND ...` on the bundled model in f16, as the page loads it. */
export function cliInspect<T>(args: string[]): T {
  return cliJson('inspect', [...args, '--f16'], 240_000);
}

/** Picks `files` through the model picker's "Files on this computer…" chooser. */
export async function pickFiles(
  page: Page,
  files: { name: string; buffer: Buffer }[],
): Promise<void> {
  await page.getByRole('combobox', { name: 'Model' }).selectOption({
    label: 'Files on this computer…',
  });
  await page.locator('model-picker #file-input').setInputFiles(
    files.map((f) => ({
      ...f,
      mimeType: f.name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    })),
  );
}

/** The tiny checkpoint's two files, as a user picks them (other weights bytes if given). */
export function tinyCheckpointFiles(weights?: Buffer): { name: string; buffer: Buffer }[] {
  const c = tinyCheckpoint();
  return [
    { name: 'config.json', buffer: Buffer.from(c.configJson) },
    { name: 'model.safetensors', buffer: weights ?? Buffer.from(c.safetensors) },
  ];
}

/** Clicks the button with this test id and returns the bytes of the download it starts. */
export async function download(page: Page, testId: string): Promise<Uint8Array> {
  const pending = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const d = await pending;
  return new Uint8Array(readFileSync(await d.path()));
}
