/**
 * The playground with a stand-in engine (no model, tokens at ?rate= per second, default
 * 2000), for tests/e2e/page-keeps-up.spec.ts. Not part of the app (built apart, vite.config.ts).
 */
import { usePlaygroundEngineLoader } from '../../../src/generation/playground-engine.ts';
import { StandInEngine } from './stand-in-engine.ts';

const rate = Number(new URL(location.href).searchParams.get('rate') ?? 2000);
usePlaygroundEngineLoader(async () => new StandInEngine(rate));
await import('../../../src/ui/main.ts');
