/**
 * What the playground asks of an engine, so that the UI can be driven by a stand-in (the
 * e2e test of a page fed thousands of tokens per second, tests/e2e/stand-in/) as well as by
 * the real Gpt2Engine. Nothing else differs between the two: the controller, every view
 * and the run's figures are the same code.
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { Gpt2Engine, type EngineLoadOptions } from './gpt2-engine.ts';

export type PlaygroundEngine = Pick<
  Gpt2Engine,
  | 'config'
  | 'cachedIds'
  | 'kvBytesPerToken'
  | 'gpuBytes'
  | 'generate'
  | 'attention'
  | 'logitLens'
  | 'logitsAfter'
  | 'unload'
>;

export type EngineLoader = (
  gpu: GpuContext,
  files: ModelFiles,
  options: EngineLoadOptions,
) => Promise<PlaygroundEngine>;

let loader: EngineLoader = (gpu, files, options) => Gpt2Engine.load(gpu, files, options);

/** The loader the playground uses: Gpt2Engine.load unless a test page replaced it. */
export function playgroundEngineLoader(): EngineLoader {
  return loader;
}

/** Replaces the loader before the app starts (a UI test's stand-in engine). */
export function usePlaygroundEngineLoader(replacement: EngineLoader): void {
  loader = replacement;
}
