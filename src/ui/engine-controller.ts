/**
 * The one place the playground meets the engine: a Lit reactive controller holding the app
 * state (read-only from outside; see app-state.ts for its types) and the user's intents as
 * methods. Components never see a GPU object: the GPU comes from a GpuSession, model files
 * from the sources' BrowserModelSources, tokens from the engine's generator, which decides
 * every stop and decodes each token's text. Every change calls `host.requestUpdate()`.
 *
 * Generation: one run at a time. Stop aborts at once (the UI stops and a step still in
 * flight is discarded); the next run waits its turn (engine-turns.ts) before touching the
 * model. Settings are read before every token, so a change made while tokens stream applies
 * to the next one, and each token keeps the settings it was drawn with.
 *
 * Longer than the ~400 lines a file here aims at, because it is the app's one state machine
 * (load, fall back, run, step, branch, stop, a lost device) and each transition reads and
 * writes the same fields; what has a job of its own lives beside it (app-state.ts,
 * message-list.ts, download-speed.ts, engine-turns.ts, load-errors.ts, run-blocker.ts,
 * branch-tree.ts).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StopReason } from '../generation/generate.ts';
import { Gpt2Engine, type AttentionMap } from '../generation/gpt2-engine.ts';
import {
  GpuSession,
  isDeviceLost,
  type GpuProblem,
  type GpuStatus,
} from '../generation/gpu-session.ts';
import { playgroundEngineLoader, type PlaygroundEngine } from '../generation/playground-engine.ts';
import { ContextFullError } from '../model/context-full-error.ts';
import type { LoadProgress } from '../model/model-files.ts';
import type { LogitLensRow } from '../model/gpt2-model.ts';
import { BrowserModelSources, type BrowserModelSource } from '../model/sources/index.ts';
import type { WeightStorage } from '../model/weights.ts';
import { Gpt2Tokenizer, type TokenPiece } from '../tokenizer/gpt2-tokenizer.ts';
import {
  EMPTY_FIGURES,
  outputToken,
  withStep,
  withTexts,
  type LoadedModel,
  type LoadingState,
  type OutputToken,
  type RunFigures,
} from './app-state.ts';
import {
  addBranch,
  currentTokens,
  emptyTree,
  selectBranch,
  setCurrentTokens,
  type BranchTree,
} from './branch-tree.ts';
import { DownloadSpeed } from './download-speed.ts';
import { EngineTurns } from './engine-turns.ts';
import type { MessageAction } from './events.ts';
import { describeError } from './format.ts';
import { FrameUpdates } from './frame-updates.ts';
import { loadErrorActions, isUnreachable } from './load-errors.ts';
import { MessageList, type AppMessage } from './message-list.ts';
import { runBlocker } from './run-blocker.ts';
import {
  BUNDLED_MODEL_PATH,
  choiceLabel,
  hubChoice,
  DEFAULT_HUB_MODEL,
  sameChoice,
  type ModelChoice,
} from './model-choices.ts';
import type { RunSettings } from './run-settings.ts';
import type { NextTokenComparison } from '../inspect/next-token-compare.ts';
import { compareNextToken } from '../inspect/next-token-compare.ts';
import { computeHeadRoles, type HeadRoles } from '../inspect/head-roles.ts';
import { directLogitAttribution, type LogitAttribution } from '../inspect/logit-attribution.ts';
import {
  runPatching,
  type PatchingOptions,
  type PatchingRequest,
  type PatchingResult,
} from '../inspect/patching.ts';
import { fitAblation, NO_ABLATION, type AblationSettings } from './interventions/ablation.ts';
import { InterventionManager } from './interventions/intervention-manager.ts';

export interface ControllerOptions {
  settings: RunSettings;
  prompt: string;
  storage: WeightStorage;
  /** The hub's address (null: huggingface.co). */
  hubBase: string | null;
  /** Heads to ablate (from the link). */
  ablation?: AblationSettings;
}

export class EngineController implements ReactiveController {
  // ---- state the app renders ----
  model: LoadedModel | null = null;
  loading: LoadingState | null = null;
  /** GPU memory held by this page's buffers. */
  gpuBytes = 0;
  prompt: string;
  promptPieces: TokenPiece[] = [];
  output: OutputToken[] = [];
  /** Tokens streamed since the last frame, not yet in `output` (see flushStreamed). */
  private streamed: OutputToken[] = [];
  /** Every output of this prompt; `output` is its branch on screen. */
  tree: BranchTree<OutputToken> = emptyTree();
  generating = false;
  stopReason: StopReason | null = null;
  figures: RunFigures = EMPTY_FIGURES;
  /** Head roles of the loaded model, once asked for (null: not computed). */
  headRoles: HeadRoles | null = null;
  rolesBusy = false;
  settings: RunSettings;
  /** What is wrong with the settings fields ('' when they are all valid): nothing runs. */
  settingsProblem = '';
  storage: WeightStorage;
  /**
   * The model asked for when the bundled one was loaded instead (the hub could not be
   * reached): what the link keeps, so a reload tries it again. Null otherwise.
   */
  fallbackFrom: ModelChoice | null = null;
  /** The model whose load just failed: the picker keeps showing it, to be corrected. */
  failedChoice: ModelChoice | null = null;
  readonly hubBase: string | null;

  // ---- private machinery ----
  private readonly tokenizer = new Gpt2Tokenizer();
  private readonly session = new GpuSession({
    onStatus: () => this.update(),
    onProblem: (p) => this.onGpuProblem(p),
  });
  private readonly sources: BrowserModelSources;
  private readonly messageList = new MessageList();
  private readonly turns = new EngineTurns();
  private readonly speed = new DownloadSpeed();
  /** The user's intervention on the model (head ablation), put into every engine job. */
  private readonly interventions = new InterventionManager();
  private engine: PlaygroundEngine | null = null;
  private loadAbort: AbortController | null = null;
  private runAbort: AbortController | null = null;
  private lastChoice: ModelChoice | null = null;
  private started = false;
  /** Per-token and per-chunk changes render at most once a frame (frame-updates.ts). */
  private readonly frames: FrameUpdates;
  /**
   * The user's choice of timing each kernel, kept across a device reload. On by default: the
   * breakdown is one of the live figures the playground is for, and its cost is small: one
   * compute pass per kernel instead of one per step, and a second readback of 16 bytes per
   * pass (0.6 KB a step for the bundled 4-layer model, 1.6 KB for GPT-2 small) once the
   * step is done. Whoever wants the cleanest tokens/s switches it off.
   */
  private profileWanted = true;
  /** The run a prompt edit cleared, for its message's Undo. */
  private clearedRun: {
    prompt: string;
    output: OutputToken[];
    tree: BranchTree<OutputToken>;
    stopReason: StopReason | null;
    figures: RunFigures;
  } | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    options: ControllerOptions,
  ) {
    this.settings = options.settings;
    this.prompt = options.prompt;
    this.storage = options.storage;
    this.hubBase = options.hubBase;
    this.interventions.ablation = options.ablation ?? NO_ABLATION;
    this.sources = new BrowserModelSources({
      hubBase: options.hubBase ?? undefined,
      onWarning: (title, message) => this.notify('warning', title, message, ['dismiss']),
    });
    this.promptPieces = this.tokenizer.pieces(this.prompt);
    this.frames = new FrameUpdates(host, () => this.flushStreamed());
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.runAbort?.abort();
    this.loadAbort?.abort();
    this.frames.cancel();
  }

  // ---- derived state ----

  get gpuStatus(): GpuStatus {
    return this.session.status;
  }

  get contextLength(): number {
    return Math.max(1, this.promptPieces.length) + this.output.length;
  }

  get nPositions(): number | null {
    return this.model?.config.nPositions ?? null;
  }

  /**
   * Steps are timed kernel by kernel (timestamp queries): the user's choice, where the adapter
   * has timestamp-query. Read before each step, so a change applies to the next token.
   */
  get profileKernels(): boolean {
    return this.profileWanted && this.gpuStatus.state === 'ready' && this.gpuStatus.timestampQuery;
  }

  /**
   * Tokens in the KV cache that belong to the context on screen: the positions the
   * inspector's attention maps cover. Keys of a context the screen no longer shows (the
   * prompt was edited) do not count: they are overwritten by the next run.
   */
  get cachedLength(): number {
    // Read several times a frame while tokens stream: compared in place, no context copied.
    if (!this.engine) return 0;
    const cached = this.engine.cachedIds;
    const prompt = this.promptIds;
    const n = Math.min(cached.length, prompt.length + this.output.length);
    let i = 0;
    while (
      i < n &&
      cached[i] === (i < prompt.length ? prompt[i] : this.output[i - prompt.length].id)
    )
      i++;
    return i;
  }

  /** The cache holds only tokens of the context on screen: its maps describe that text. */
  private get cacheShowsScreen(): boolean {
    return this.engine !== null && this.cachedLength === this.engine.cachedIds.length;
  }

  get messages(): readonly AppMessage[] {
    return this.messageList.items;
  }

  /** The prompt's ids, or <|endoftext|> for an empty prompt: what a new output continues. */
  get promptIds(): number[] {
    // An empty prompt starts a document: GPT-2's own convention.
    return this.promptPieces.length ? this.promptPieces.map((p) => p.id) : [Gpt2Tokenizer.EOT];
  }

  /** KV cache bytes one token takes in the loaded model (0 without one). */
  get kvBytesPerToken(): number {
    return this.engine?.kvBytesPerToken ?? 0;
  }

  /** A model is loaded and idle enough to start a run (whatever the settings and prompt). */
  get ready(): boolean {
    return this.engine !== null && this.loading === null && this.gpuStatus.state === 'ready';
  }

  /** Why nothing may run although the model is ready ('' when it may). */
  get blockedReason(): string {
    return runBlocker(this.settingsProblem, this.promptPieces.length, this.nPositions);
  }

  get canGenerate(): boolean {
    return this.ready && this.blockedReason === '';
  }

  get canContinue(): boolean {
    return (
      this.canGenerate &&
      this.output.length > 0 &&
      this.nPositions !== null &&
      this.contextLength < this.nPositions
    );
  }

  /**
   * Attention probabilities of (layer, head) over the tokens in the cache, for the
   * attention view. Null while no model is loaded or tokens are streaming.
   */
  attention(layer: number, head: number): Promise<AttentionMap | null> {
    return this.inspect((engine) => engine.attention(layer, head));
  }

  /**
   * The logit lens at a cached position: each layer's prediction for the next token.
   * Null while no model is loaded or tokens are streaming (the engine runs one thing at a time).
   */
  logitLens(position: number, topN: number): Promise<LogitLensRow[] | null> {
    return this.inspect((engine) => engine.logitLens(position, topN));
  }

  /**
   * Runs `job` on the engine in turn with runs: the GPU model does one thing at a time, so a
   * Generate clicked while a map is being computed waits for it rather than colliding.
   */
  private async inspect<T>(
    job: (engine: PlaygroundEngine) => Promise<T>,
    ofScreen = true,
  ): Promise<T | null> {
    if (!this.engine || this.generating) return null;
    const turn = this.turns.take();
    let release: (() => void) | undefined;
    try {
      release = await turn;
      if (this.generating || !this.engine) return null;
      await this.syncInterventions(this.engine, false);
      // A changed intervention (or a sweep) dropped the cache, or another branch is on screen:
      // run the text on screen again, less its last token (never run: it was sampled from the
      // step before), as a run leaves it. Only the tokens after the part the cache shares with
      // it are recomputed.
      const context = this.contextIds();
      if (
        ofScreen &&
        this.output.length &&
        (this.cachedLength < context.length - 1 || !this.cacheShowsScreen)
      ) {
        await this.engine.logitsAfter(context.slice(0, -1));
        this.update();
      }
      // A run asked for meanwhile goes first: the view asks again when it ends. A cache left
      // by an edited prompt describes text no longer on screen: no map of it is shown.
      const engine = this.generating || (ofScreen && !this.cacheShowsScreen) ? null : this.engine;
      return engine ? await job(engine) : null;
    } finally {
      release?.();
    }
  }

  // ---- interventions ----

  /** The heads the user ablates, and how. */
  get ablation(): AblationSettings {
    return this.interventions.ablation;
  }

  /**
   * A new ablation: it applies to the next run and the views (they ask again), never to a run
   * under way, whose tokens record the intervention they were drawn under.
   */
  setAblation(a: AblationSettings): void {
    if (this.generating) return;
    const config = this.model?.config;
    const fit = config ? fitAblation(a, config) : { ablation: a, dropped: null };
    if (fit.dropped) this.notify('warning', 'Head not ablated', fit.dropped, ['dismiss']);
    this.interventions.ablation = fit.ablation;
    this.update();
  }

  /**
   * The next token after the text on screen with and without the ablation. Null with no
   * ablation, no model, or while tokens stream.
   */
  compareNextToken(topN: number): Promise<NextTokenComparison | null> {
    if (!this.interventions.active) return Promise.resolve(null);
    const ids = this.contextIds();
    return this.inspectModel((engine) => compareNextToken(engine, ids, topN));
  }

  /**
   * A job that reaches into the GPU model (interventions, sweeps, attribution), not only the
   * text on screen; an engine without one (the UI tests' stand-in) answers null.
   */
  private inspectModel<T>(job: (engine: Gpt2Engine) => Promise<T>): Promise<T | null> {
    return this.inspect(
      (engine) => (engine instanceof Gpt2Engine ? job(engine) : Promise.resolve(null)),
      false,
    );
  }

  /**
   * Puts the user's intervention into the engine before a job. Interventions hook into the GPU
   * model itself: an engine without one (the UI tests' stand-in) runs as it is.
   */
  private async syncInterventions(engine: PlaygroundEngine, fresh: boolean): Promise<void> {
    if (engine instanceof Gpt2Engine) await this.interventions.sync(engine, this.promptIds, fresh);
  }

  /**
   * Activation patching of the two prompts (on the model as loaded: the sweep sets its own
   * hooks; the ablation is put back for the next job). Null while tokens stream or no model.
   */
  patch(request: PatchingRequest, options: PatchingOptions): Promise<PatchingResult | null> {
    return this.inspectModel((engine) => runPatching(engine, request, options));
  }

  /** DLA of `tokenId` after `ids`, on the model as the user intervened on it. */
  attribute(ids: readonly number[], tokenId: number): Promise<LogitAttribution | null> {
    return this.inspectModel((engine) => directLogitAttribution(engine, ids, tokenId));
  }

  /** Scores every head's role on the loaded model (no ablation); shown as badges. */
  async findHeadRoles(): Promise<void> {
    if (this.rolesBusy) return;
    this.rolesBusy = true;
    this.update();
    try {
      const roles = await this.inspectModel((engine) => {
        // The model as loaded: the intervention is put back by the next job.
        engine.setForwardHook(null);
        return computeHeadRoles(engine);
      });
      if (roles) this.headRoles = roles;
    } catch (e) {
      this.notify('error', 'Head roles failed', describeError(e), ['dismiss']);
    } finally {
      this.rolesBusy = false;
      this.update();
    }
  }

  // ---- start-up ----

  /**
   * Opens the GPU and loads `initial` (from the link), else the default: GPT-2 small from
   * the hub when online (the bundled model if the hub cannot be reached), else the bundled one.
   */
  async start(initial: ModelChoice | null): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (!(await this.session.open())) return;
    // The user picked a model while the GPU was opening: theirs wins over the default.
    if (this.lastChoice) return;
    if (initial) {
      await this.loadModel(initial, this.storage);
    } else if (!navigator.onLine) {
      await this.loadModel({ kind: 'bundled' }, this.storage);
      this.notify('info', 'Offline', 'You are offline, so the bundled model was loaded.', [
        'dismiss',
      ]);
    } else {
      await this.loadModel(hubChoice(DEFAULT_HUB_MODEL), this.storage);
    }
  }

  /**
   * A lost device ends the run and the model (the text is kept); any other WebGPU error is
   * shown as it comes.
   */
  private onGpuProblem(problem: GpuProblem): void {
    if (!isDeviceLost(problem)) {
      this.notify('error', 'The GPU reported an error', problem.message, ['dismiss']);
      return;
    }
    this.runAbort?.abort();
    this.loadAbort?.abort();
    this.generating = false;
    this.interventions.release();
    this.engine = null;
    this.gpuBytes = 0;
    this.messageList.clear();
    this.notify(
      'error',
      'The GPU device was lost',
      `${problem.message} The generated text is kept; reload the model to go on.`,
      ['reload-model'],
    );
  }

  // ---- model loading ----

  /** Loads `choice`; the current model stays usable until the new one is ready. */
  async loadModel(choice: ModelChoice, storage: WeightStorage): Promise<void> {
    this.loadAbort?.abort();
    this.stop();
    const abort = new AbortController();
    this.loadAbort = abort;
    this.storage = storage;
    this.lastChoice = choice;
    this.failedChoice = null;
    this.fallbackFrom = null;
    const label = choiceLabel(choice, this.hubBase);
    this.messageList.clear('error', 'info');
    this.speed.reset();
    this.loading = {
      choice,
      label,
      storage,
      file: '',
      loaded: 0,
      total: 0,
      fromCache: false,
      bytesPerSecond: null,
      compiling: false,
    };
    this.update();
    try {
      await this.turns.idle();
      const gpu = await this.session.open();
      if (!gpu) return;
      const files = await this.sources.open(sourceOf(choice));
      const engine = await playgroundEngineLoader()(gpu, files, {
        storage,
        signal: abort.signal,
        onProgress: (p) => this.onProgress(abort, p),
        onCompile: () => {
          if (this.loadAbort !== abort || !this.loading) return;
          this.loading = { ...this.loading, compiling: true };
          this.update();
        },
      });
      if (abort.signal.aborted || gpu !== this.session.context) {
        engine.unload();
        return;
      }
      this.interventions.release();
      this.engine?.unload();
      this.engine = engine;
      const fromCache = this.loading?.fromCache ?? false;
      // The text stays when the same model comes back (a reload after a lost device).
      if (!this.model || !sameChoice(this.model.choice, choice)) {
        this.output = [];
        this.tree = emptyTree();
        this.stopReason = null;
        this.figures = EMPTY_FIGURES;
      }
      this.model = {
        choice,
        label,
        description: files.description,
        storage,
        config: engine.config,
        fromCache,
      };
      this.headRoles = null;
      this.setAblation(this.interventions.ablation);
      this.gpuBytes = gpu.liveBuffers.bytes;
      if (fromCache) {
        this.notify(
          'info',
          `${label} loaded from the cache`,
          'Stored in this browser: no download was needed.',
          ['dismiss'],
        );
      }
    } catch (e) {
      if (abort.signal.aborted) {
        if (this.loadAbort === abort && this.gpuStatus.state !== 'lost') {
          this.notify(
            'info',
            'Loading cancelled',
            this.model ? `Still using ${this.model.label}.` : 'Pick a model to load.',
            ['dismiss'],
          );
        }
        return;
      }
      if (choice.kind === 'hub' && isUnreachable(e) && !this.engine) {
        this.notify(
          'warning',
          'The Hugging Face hub could not be reached',
          `${label} could not be downloaded: ${describeError(e)} The bundled tiny-trained model is ` +
            'used instead; press Try again once the connection is back.',
          ['retry-load', 'dismiss'],
        );
        this.loading = null;
        await this.loadModel({ kind: 'bundled' }, storage);
        this.lastChoice = choice; // what Try again loads
        this.fallbackFrom = choice;
        this.update();
        return;
      }
      this.failedChoice = choice;
      this.notify(
        'error',
        `Could not load ${label}`,
        describeError(e),
        loadErrorActions(e, this.model?.choice ?? null),
      );
    } finally {
      if (this.loadAbort === abort) {
        this.loadAbort = null;
        this.loading = null;
        this.frames.cancel();
        this.update();
      }
    }
  }

  cancelLoad(): void {
    this.loadAbort?.abort();
  }

  /** Runs a message's button. */
  async act(action: MessageAction, messageId: number): Promise<void> {
    this.dismiss(messageId);
    switch (action) {
      case 'dismiss':
        return;
      case 'load-bundled':
        return this.loadModel({ kind: 'bundled' }, this.storage);
      case 'retry-load':
        if (this.lastChoice) return this.loadModel(this.lastChoice, this.storage);
        return;
      case 'undo-prompt-edit':
        return this.undoPromptEdit();
      case 'reload-model':
        return this.loadModel(
          this.model?.choice ?? this.lastChoice ?? { kind: 'bundled' },
          this.storage,
        );
    }
  }

  dismiss(messageId: number): void {
    this.messageList.dismiss(messageId);
    this.update();
  }

  private onProgress(abort: AbortController, p: LoadProgress): void {
    if (this.loadAbort !== abort || !this.loading) return;
    this.loading = {
      ...this.loading,
      file: p.file,
      loaded: p.loaded,
      total: p.total,
      fromCache: p.fromCache,
      bytesPerSecond: this.speed.sample(p.file, p.loaded, performance.now()),
    };
    // Progress arrives per chunk: render at most once a frame.
    this.frames.request();
  }

  // ---- prompt and settings ----

  /**
   * A new prompt. An output continues the prompt it was generated from: once the prompt's
   * tokens change it would read as the new prompt's continuation (and Continue would run on
   * a context nobody sees), so it is removed, saying so, with an Undo that brings back both.
   */
  setPrompt(text: string): void {
    const before = this.promptPieces;
    this.promptPieces = this.tokenizer.pieces(text);
    const changed =
      before.length !== this.promptPieces.length ||
      before.some((p, i) => p.id !== this.promptPieces[i].id);
    if (changed && (this.output.length > 0 || this.generating)) {
      this.stop();
      this.clearedRun = {
        prompt: this.prompt,
        output: this.output,
        tree: this.tree,
        stopReason: this.stopReason,
        figures: this.figures,
      };
      this.output = [];
      this.tree = emptyTree();
      this.stopReason = null;
      this.figures = EMPTY_FIGURES;
      this.notify(
        'info',
        'Output cleared',
        'It continued the previous prompt, not this one. Generate to continue the new prompt, ' +
          'or undo to get the previous prompt and its output back.',
        ['undo-prompt-edit', 'dismiss'],
      );
    }
    this.prompt = text;
    this.update();
  }

  private undoPromptEdit(): void {
    const run = this.clearedRun;
    if (!run || this.generating) return;
    this.clearedRun = null;
    this.prompt = run.prompt;
    this.promptPieces = this.tokenizer.pieces(run.prompt);
    this.output = run.output;
    this.tree = run.tree;
    this.stopReason = run.stopReason;
    this.figures = run.figures;
    this.update();
  }

  /** Applies to the next token (generation reads them before each one). */
  setSettings(settings: RunSettings): void {
    this.settings = settings;
    this.update();
  }

  /** The settings fields cannot be used as they are ('' once they can): runs are blocked. */
  setSettingsProblem(problem: string): void {
    this.settingsProblem = problem;
    this.update();
  }

  /** Applies to the next token; ignored by adapters without timestamp-query. */
  setProfileKernels(on: boolean): void {
    this.profileWanted = on;
    this.update();
  }

  // ---- generation ----

  /** A new output from the prompt. */
  generate(): void {
    if (!this.canGenerate) return;
    // A new run from the prompt: the runs before it stay in the branch history.
    if (this.output.length) this.tree = addBranch(this.tree, null, 0, []);
    this.output = [];
    void this.run(this.promptIds);
  }

  /** More tokens after the current output. */
  continue(): void {
    if (!this.canContinue) return;
    void this.run(this.contextIds());
  }

  /** Exactly one more token: after the output, or after the prompt when there is none. */
  step(): void {
    if (!this.canStep) return;
    void this.run(this.contextIds(), true);
  }

  get canStep(): boolean {
    return this.output.length === 0 ? this.canGenerate : this.canContinue;
  }

  /** Cuts the output at `index`, puts alternative `id` there and continues after it. */
  branch(index: number, id: number): void {
    const at = this.output[index];
    if (!at || !this.canGenerate) return;
    const alt = at.alternatives.find((a) => a.id === id);
    this.stop();
    const kept = this.output.slice(0, index);
    const chosen: OutputToken = {
      ...at,
      id,
      prob: alt?.prob ?? 0,
      branched: true,
      text: '',
    };
    this.output = withTexts(this.tokenizer, [...kept, chosen], index);
    this.tree = addBranch(this.tree, this.tree.current || null, index, this.output);
    const context = this.contextIds();
    if (this.nPositions !== null && context.length >= this.nPositions) {
      this.stopReason = 'context_full';
      this.update();
      return;
    }
    void this.run(context);
  }

  /** Stops at once; a step already on the GPU finishes in the background and is dropped. */
  stop(): void {
    if (!this.runAbort) return;
    this.runAbort.abort();
    this.runAbort = null;
    if (this.generating) {
      this.generating = false;
      this.stopReason = 'cancelled';
    }
    this.update();
  }

  /** Shows another branch of the history as it was: its tokens are kept, nothing is rerun. */
  showBranch(id: number): void {
    if (this.generating) return;
    this.tree = selectBranch(this.tree, id);
    this.output = [...currentTokens(this.tree)];
    this.tree = setCurrentTokens(this.tree, this.output);
    this.stopReason = null;
    this.update();
  }

  clearOutput(): void {
    this.stop();
    this.output = [];
    this.tree = emptyTree();
    this.stopReason = null;
    this.figures = EMPTY_FIGURES;
    this.update();
  }

  /** The prompt (or <|endoftext|>) followed by the output: what the next token continues. */
  private contextIds(): number[] {
    return [...this.promptIds, ...this.output.map((t) => t.id)];
  }

  /** `step`: exactly one token; else up to the max new tokens setting (read at each token). */
  private async run(contextIds: number[], step = false): Promise<void> {
    const turn = this.turns.take();
    const abort = new AbortController();
    this.runAbort = abort;
    this.generating = true;
    this.stopReason = null;
    this.figures = EMPTY_FIGURES;
    this.messageList.clear('error');
    // Undo of a prompt edit would now replace this run: the new run is the user's answer.
    if (this.clearedRun) {
      this.clearedRun = null;
      const undo = this.messageList.items.find((m) => m.actions.includes('undo-prompt-edit'));
      if (undo) this.messageList.dismiss(undo.id);
    }
    this.update();
    const started = performance.now();
    let release: (() => void) | undefined;
    try {
      release = await turn;
      const engine = this.engine;
      if (!engine || abort.signal.aborted) return;
      await this.syncInterventions(engine, this.output.length === 0);
      const intervention = this.interventions.active;
      if (abort.signal.aborted) return;
      const steps = engine.generate({
        contextIds,
        step,
        maxNewTokens: () => this.settings.maxNewTokens,
        settings: () => this.settings.sampling,
        profile: () => this.profileKernels,
        signal: abort.signal,
        stopAtFullWindow: true,
        decodedIds: this.output.map((t) => t.id),
      });
      let firstAt = 0;
      for (;;) {
        const r = await steps.next();
        // Stopped by the user: the UI has already said so; a step in flight is dropped (the
        // generator waits for a step it queued ahead, so the engine is free after).
        if (abort.signal.aborted) {
          if (!r.done) await steps.return({ reason: 'cancelled', length: 0, rest: '' });
          return;
        }
        if (r.done) {
          this.stopReason = r.value.reason;
          break;
        }
        const now = performance.now();
        if (r.value.index === 0) firstAt = now;
        this.streamed.push({ ...outputToken(this.tokenizer, r.value), intervention });
        this.figures = withStep(this.figures, r.value, now - started, now - firstAt);
        this.gpuBytes = engine.gpuBytes;
        // Tokens may come faster than frames: the loop goes on, the page renders once a frame.
        this.frames.request();
      }
    } catch (e) {
      if (abort.signal.aborted || isDeviceLost(e)) return;
      this.notify(
        'error',
        'Generation stopped',
        describeError(e),
        e instanceof ContextFullError ? [] : ['dismiss'],
      );
    } finally {
      if (this.runAbort === abort) {
        this.runAbort = null;
        this.generating = false;
      }
      release?.();
      this.update();
    }
  }

  // ---- messages ----

  /** Shows a message (replacing one with the same title). */
  notify(kind: AppMessage['kind'], title: string, text: string, actions: MessageAction[]): void {
    this.messageList.notify(kind, title, text, actions);
    this.update();
  }

  /**
   * Tokens streamed since the last frame join the output in one new array: copying the output
   * for each of 2,000 tokens a second would be quadratic work and garbage for nothing.
   */
  private flushStreamed(): void {
    if (!this.streamed.length) return;
    this.output = [...this.output, ...this.streamed];
    this.streamed = [];
  }

  private update(): void {
    this.flushStreamed();
    // The branch on screen keeps what was generated into it.
    this.tree = setCurrentTokens(this.tree, this.output);
    this.host.requestUpdate();
  }
}

/** Where a choice's files come from (the bundled model is served beside the app). */
function sourceOf(choice: ModelChoice): BrowserModelSource {
  if (choice.kind !== 'bundled') return choice;
  return {
    kind: 'folder',
    url: new URL(BUNDLED_MODEL_PATH, document.baseURI).href,
    description: 'the bundled tiny-trained model',
  };
}
