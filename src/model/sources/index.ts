/**
 * What the browser app may use of the model sources (ESLint keeps `src/ui/` to this file):
 * reading and writing model specs, opening a model's files, and the errors worth telling
 * apart. The sources' machinery (HTTP answers, resuming, caching) stays behind it.
 */
export {
  BrowserModelSources,
  folderFiles,
  type BrowserModelSource,
  type BrowserModelSourcesOptions,
} from './browser-sources.ts';
export { DownloadError, ModelSpecError, type DownloadProblem } from './errors.ts';
export { DEFAULT_REVISION } from './hub-files.ts';
export { formatModelSpec, parseModelSpec, type ModelSource } from './resolve-source.ts';
