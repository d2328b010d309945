/**
 * Builds the stand-in page (the app with tests/e2e/stand-in's engine) as production code,
 * into dist-stand-in/, so that page-keeps-up.spec.ts measures what users run, not Lit's
 * development build. Everything else is the app's own config.
 */
import { defineConfig } from 'vite';
import app from '../../../vite.config.ts';

export default defineConfig({
  ...app,
  build: {
    ...app.build,
    outDir: 'dist-stand-in',
    rollupOptions: { input: { standIn: 'tests/e2e/stand-in/index.html' } },
  },
});
