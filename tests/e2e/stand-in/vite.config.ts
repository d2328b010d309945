/**
 * Builds the stand-in page (the app with tests/e2e/stand-in's engine) as production code,
 * into dist-stand-in/, so that page-keeps-up.spec.ts measures what users run, not Lit's
 * development build. Everything else is the app's own config, and the page is the app's own
 * index.html (its policy, head and body) with only the title and the entry script changed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import app from '../../../vite.config.ts';

const APP_ENTRY = '/src/ui/main.ts';
const STAND_IN_ENTRY = '/tests/e2e/stand-in/main.ts';

/** tests/e2e/stand-in/index.html becomes the app's index.html, pointed at the stand-in. */
function appPageWithStandIn(): Plugin {
  return {
    name: 'stand-in-page',
    transformIndexHtml: {
      order: 'pre',
      handler: (_html, ctx) => {
        if (!ctx.filename.endsWith(`${STAND_IN_ENTRY.slice(0, -'main.ts'.length)}index.html`)) {
          return undefined;
        }
        const page = readFileSync(resolve(import.meta.dirname, '../../../index.html'), 'utf8');
        if (!page.includes(`src="${APP_ENTRY}"`) || !page.includes('</title>')) {
          throw new Error(
            `index.html no longer loads ${APP_ENTRY}: update ${import.meta.filename}`,
          );
        }
        return page
          .replace(`src="${APP_ENTRY}"`, `src="${STAND_IN_ENTRY}"`)
          .replace('</title>', ' (stand-in engine)</title>');
      },
    },
  };
}

export default defineConfig({
  ...app,
  plugins: [...(app.plugins ?? []), appPageWithStandIn()],
  build: {
    ...app.build,
    outDir: 'dist-stand-in',
    rollupOptions: { input: { standIn: 'tests/e2e/stand-in/index.html' } },
  },
});
