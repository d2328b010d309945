import {
  approveHost,
  HUB_REPO,
  openReady,
  pickFiles,
  startTinyHub,
  tinyCheckpoint,
  tinyCheckpointFiles,
} from './app.ts';
import { expect, snap, test } from './fixtures.ts';

const MODEL_FILE = `${HUB_REPO}/model.safetensors`;

test.describe('loading models', () => {
  // Chromium logs every failed request (500, refused connection) as a console error.
  test.use({ allowedConsoleErrors: [/Failed to load resource/] });

  test('the default model loads from the hub with progress, then from the cache', async ({
    page,
  }, info) => {
    const hub = await startTinyHub({ faults: { [MODEL_FILE]: { stallAfter: 3_000_000 } } });
    try {
      // The download stalls at 3 MB: the progress bar shows where it is, and Cancel works.
      await approveHost(page, hub.baseUrl);
      await page.goto(`/?hub=${hub.baseUrl}`);
      const progress = page.getByRole('progressbar', { name: 'Model download' });
      const size = tinyCheckpoint().safetensors.length;
      await expect(progress).toHaveAttribute(
        'aria-valuenow',
        String(Math.round((3e6 / size) * 100)),
      );
      await expect(page.getByTestId('load-figures')).toContainText(
        `3.0 MB of ${(size / 1e6).toFixed(1)} MB`,
      );
      await expect(page.getByTestId('load-figures')).toContainText('model.safetensors');
      await snap(page, info, 'loading');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect(progress).toBeHidden();
      await expect(page.getByTestId('message-info')).toContainText('Loading cancelled');
    } finally {
      await hub.close();
    }
    const good = await startTinyHub();
    try {
      await approveHost(page, good.baseUrl);
      await openReady(page, `hub=${good.baseUrl}`);
      await expect(page.getByTestId('model-name')).toHaveText(
        `GPT-2 small (hub at ${new URL(good.baseUrl).host})`,
      );
      await expect(page.getByTestId('message-info')).toBeHidden();
      // A second visit reads the stored copy: no download, and the page says so.
      const downloads = good.requests.length;
      await page.reload();
      await expect(page.getByTestId('message-info')).toContainText(
        `GPT-2 small (hub at ${new URL(good.baseUrl).host}) loaded from the cache`,
      );
      await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
      expect(good.requests.length).toBe(downloads);
    } finally {
      await good.close();
    }
  });

  test('a download answered with 500 says what failed and leaves the app usable', async ({
    page,
  }, info) => {
    const hub = await startTinyHub({ faults: { [MODEL_FILE]: { status: 500 } } });
    try {
      await approveHost(page, hub.baseUrl);
      await page.goto(`/?hub=${hub.baseUrl}&prompt=`);
      const error = page.getByTestId('message-error');
      await expect(error).toContainText('Could not load GPT-2 small');
      await expect(error).toContainText(
        `${hub.baseUrl}/${HUB_REPO}/resolve/main/model.safetensors`,
      );
      await expect(error).toContainText('500');
      await expect(error.getByRole('button', { name: 'Try again' })).toBeVisible();
      // Still usable: the prompt and its tokens work, and another model can be loaded.
      await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Still here');
      await expect(page.getByTestId('prompt-token-count')).toHaveText('2 tokens');
      await snap(page, info, 'load-error');
      await error.getByRole('button', { name: 'Load the bundled model' }).click();
      await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
      await expect(error).toBeHidden();
    } finally {
      await hub.close();
    }
  });

  test('a truncated checkpoint is refused with the reason', async ({ page }) => {
    const full = tinyCheckpoint().safetensors;
    const hub = await startTinyHub({ safetensors: full.subarray(0, full.length >> 1) });
    try {
      await approveHost(page, hub.baseUrl);
      await page.goto(`/?hub=${hub.baseUrl}`);
      const error = page.getByTestId('message-error');
      await expect(error).toContainText('Could not load GPT-2 small');
      await expect(error).toContainText(/truncated|shorter|ends|bytes/i);
      await expect(page.getByTestId('model-name')).toBeHidden();
    } finally {
      await hub.close();
    }
  });

  for (const [what, fault, reason] of [
    ['an HTML page', { html: true }, /web page \(HTML\)/],
    ['a Git LFS pointer', { lfsPointer: true }, /Git LFS pointer/],
  ] as const) {
    test(`a server answering with ${what} instead of weights is refused with the reason`, async ({
      page,
    }) => {
      const hub = await startTinyHub({ faults: { [MODEL_FILE]: fault } });
      try {
        await approveHost(page, hub.baseUrl);
        await page.goto(`/?hub=${hub.baseUrl}&prompt=`);
        const error = page.getByTestId('message-error');
        await expect(error).toContainText('Could not load GPT-2 small');
        await expect(error).toContainText(reason);
        await expect(page.getByTestId('model-name')).toBeHidden();
        // The app stays usable: the bundled model loads from the message.
        await error.getByRole('button', { name: 'Load the bundled model' }).click();
        await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
      } finally {
        await hub.close();
      }
    });
  }

  test('a download cut off mid-way is retried from where the page got to, and completes', async ({
    page,
  }) => {
    const cut = 2_000_000;
    const hub = await startTinyHub({
      faults: { [MODEL_FILE]: { truncateAfter: cut, failFirst: 1 } },
    });
    try {
      await approveHost(page, hub.baseUrl);
      await openReady(page, `hub=${hub.baseUrl}`);
      await expect(page.getByTestId('model-name')).toHaveText(
        `GPT-2 small (hub at ${new URL(hub.baseUrl).host})`,
      );
      const gets = hub.requests.filter(
        (r) => r.startsWith('GET') && r.includes('/resolve/main/model.safetensors'),
      );
      expect(gets).toHaveLength(2);
      // From the bytes the page had read when the connection broke: Chromium may drop what
      // it buffered but had not handed over, so that is at most the cut, not exactly it
      // (tests/unit/sources.test.ts checks the exact offset in Node).
      const from = Number(/ bytes=(\d+)-$/.exec(gets[1])?.[1]);
      expect(from).toBeGreaterThanOrEqual(0);
      expect(from).toBeLessThanOrEqual(cut);
    } finally {
      await hub.close();
    }
  });

  test('when the hub cannot be reached the bundled model is loaded instead', async ({ page }) => {
    // Nothing listens on port 9 (discard): the connection is refused at once.
    await approveHost(page, 'http://127.0.0.1:9');
    await page.goto('/?hub=http://127.0.0.1:9');
    await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
    await expect(page.getByTestId('message-warning')).toContainText(
      'The Hugging Face hub could not be reached',
    );
    await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
  });

  test('a model spec that is not a repo or URL is explained beside the field', async ({ page }) => {
    await page.goto('/?model=bundled');
    await page.getByRole('combobox', { name: 'Model' }).selectOption({ label: 'Hub repo id…' });
    const field = page.getByRole('textbox', { name: 'Hub repo id' });
    await field.fill('not a/valid/repo');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(
      page.getByRole('alert').filter({ hasText: 'not a Hugging Face repo id' }),
    ).toBeVisible();
    await expect(field).toHaveAttribute('aria-invalid', 'true');
  });

  test('local files load through the file chooser and by drag and drop', async ({ page }) => {
    const hub = await startTinyHub();
    try {
      await approveHost(page, hub.baseUrl); // the page fetches the files to drop from there
      await page.goto('/?model=bundled');
      await pickFiles(page, tinyCheckpointFiles());
      await expect(page.getByTestId('model-name')).toHaveText('2 local files');
      await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
      // The same files dropped on the page (made in the page from the hub's copy).
      const folder = `${hub.baseUrl}/${HUB_REPO}/resolve/main`;
      await page.evaluate(async (folder) => {
        const data = new DataTransfer();
        for (const name of ['config.json', 'model.safetensors', 'README.md']) {
          const blob =
            name === 'README.md'
              ? new Blob(['# x'])
              : await (await fetch(`${folder}/${name}`)).blob();
          data.items.add(new File([blob], name));
        }
        window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
      }, folder);
      await expect(page.getByTestId('model-name')).toHaveText('3 local files');
      await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
    } finally {
      await hub.close();
    }
  });

  test('files picked while the GPU is still opening win over the default model', async ({
    page,
  }) => {
    // A slow adapter: the start-up load would begin after the user's pick.
    await page.addInitScript(() => {
      const gpu = navigator.gpu;
      const request = gpu.requestAdapter.bind(gpu);
      gpu.requestAdapter = async (options) => {
        await new Promise((r) => setTimeout(r, 1500));
        return request(options);
      };
    });
    await page.goto('/?model=bundled');
    await pickFiles(page, tinyCheckpointFiles());
    await expect(page.getByTestId('model-name')).toHaveText('2 local files');
    await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
    // Still the user's model once everything has settled (the start-up load did not run).
    await expect(page.getByTestId('model-name')).toHaveText('2 local files');
    await expect(page.getByTestId('message-info')).toBeHidden();
  });

  test('picked files that are not a GPT-2 checkpoint are refused with the reason', async ({
    page,
  }) => {
    await page.goto('/?model=bundled');
    await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
    const error = page.getByTestId('message-error');
    // A zip (what PyTorch's .bin is) saved under the safetensors name.
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(4096, 7)]);
    await pickFiles(page, tinyCheckpointFiles(zip));
    await expect(error).toContainText('model.safetensors');
    await expect(error).toContainText(/header|safetensors/i);
    // The model that was loaded stays loaded and usable.
    await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
    await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
    // Only a config: the missing file is named.
    await pickFiles(page, tinyCheckpointFiles().slice(0, 1));
    await expect(error).toContainText('The picked files have no model.safetensors');
    await expect(page.getByTestId('model-name')).toHaveText('tiny-trained (bundled)');
    // One file is named as one, and the bundled model, still in use, is not offered again.
    await expect(error).toContainText(/Could not load 1 local file(?!s)/);
    await expect(error.getByRole('button', { name: 'Load the bundled model' })).toHaveCount(0);
  });

  test('after a lost GPU device the model can be reloaded', async ({ page }) => {
    await page.addInitScript(() => {
      const request = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, ...args) {
        const device = await request.apply(this, args);
        (window as unknown as { lastDevice: GPUDevice }).lastDevice = device;
        return device;
      };
    });
    const hub = await startTinyHub();
    try {
      await approveHost(page, hub.baseUrl);
      await openReady(page, `hub=${hub.baseUrl}&max_tokens=2`);
      await page.evaluate(() =>
        (window as unknown as { lastDevice: GPUDevice }).lastDevice.destroy(),
      );
      const error = page.getByTestId('message-error');
      await expect(error).toContainText('The GPU device was lost');
      await expect(page.getByTestId('generate-hint')).toHaveText(
        'The GPU was lost: reload the model.',
      );
      await error.getByRole('button', { name: 'Reload the model' }).click();
      await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
      await page.getByRole('button', { name: 'Generate', exact: true }).click();
      await expect(page.getByTestId('run-status')).toHaveText('Reached the max new tokens.');
    } finally {
      await hub.close();
    }
  });
});
