import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import './branch-history.ts';
import './inspector/attention-panel.ts';
import './inspector/attention-text.ts';
import './inspector/step-microscope.ts';
import { approveOrigin, approvedOrigins } from './connect-policy.ts';
import './interventions/intervention-panel.ts';
import './interventions/patching-view.ts';
import './interventions/dla-view.ts';
import { withHead } from './interventions/ablation.ts';
import { interventionSource } from './interventions/intervention-source.ts';
import { droppedFiles } from './dropped-files.ts';
import { EngineController } from './engine-controller.ts';
import type {
  AblationChangeEvent,
  BranchSelectEvent,
  GenerateRequestEvent,
  HostApprovalEvent,
  HeadAblateEvent,
  KernelProfileChangeEvent,
  MessageActionEvent,
  ModelLoadEvent,
  PromptInputEvent,
  SettingsChangeEvent,
  SettingsProblemEvent,
  TokenBranchEvent,
  TokenSelectEvent,
} from './events.ts';
import './gpu-status.ts';
import './host-approval.ts';
import { inspectorSource, runInputFrom } from './inspector/inspector-source.ts';
import './kernel-times.ts';
import { hostsToApprove, type HostToApprove } from './link-hosts.ts';
import './live-figures.ts';
import './load-progress.ts';
import './message-banner.ts';
import './model-picker.ts';
import './no-webgpu-page.ts';
import './prompt-editor.ts';
import './sampling-controls.ts';
import { sharedStyles } from './shared-styles.ts';
import { appStyles } from './gpt2-app.styles.ts';
import './temperature-chart.ts';
import './token-output.ts';
import type { WeightStorage } from '../model/weights.ts';
import type { ModelChoice } from './model-choices.ts';
import type { OutputToken, RunFigures } from './app-state.ts';
import type { RunExportInput } from './inspector/export-run.ts';
import { StreamHold } from './stream-hold.ts';
import { StreamTurns } from './stream-turns.ts';
import { readUrlState, writeUrlState, type UrlState } from './url-state.ts';

const DEFAULT_PROMPT = 'The quick brown fox';

/** What the views that follow a run live are shown of it. */
interface LiveRun {
  output: readonly OutputToken[];
  figures: RunFigures;
  contextLength: number;
  cachedLength: number;
}

/**
 * The playground: a header with the model picker and the GPU status, the prompt and the
 * output in the main column, sampling controls and live figures beside them. Owns the
 * EngineController and hands the user's intents (events from the components) to it; the
 * state it renders comes back from the controller. Keeps the settings, the prompt and the
 * model in the URL so a link reproduces a run.
 *
 * Room is left for the views that read the model further: an inspector section under the
 * output (attention maps, logit lens) that calls `controller.attention(layer, head)`.
 */
@customElement('gpt2-app')
export class Gpt2App extends LitElement {
  static override styles = [sharedStyles, appStyles];

  private readonly initial: UrlState = readUrlState(location.href);
  /**
   * Hosts other than this site and the hub that the link, or a URL typed in the picker,
   * would download from: nothing is fetched from them until the user says yes (see
   * connect-policy.ts). `pendingChoice` is the typed model waiting for that answer.
   */
  @state() private pendingHosts: HostToApprove[] = hostsToApprove(
    this.initial,
    location.origin,
    approvedOrigins(),
  );
  private pendingChoice: { choice: ModelChoice; storage: WeightStorage } | null = null;
  private readonly controller = new EngineController(this, {
    settings: this.initial.settings,
    prompt: this.initial.prompt ?? DEFAULT_PROMPT,
    storage: this.initial.storage ?? 'f16',
    // A hub address from a link counts only once approved.
    hubBase: this.pendingHosts.some((h) => h.what === 'hub') ? null : this.initial.hubBase,
    ablation: this.initial.ablation,
  });

  /** Files are being dragged over the page. */
  @state() private dragging = false;
  private dragDepth = 0;
  /** The token selected for the inspector (from an output chip or the inspector itself). */
  @state() private selectedPosition: number | null = null;
  /** The output token under the microscope (null: the last one). */
  @state() private microscopeIndex: number | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKeyDown);
    window.addEventListener('dragenter', this.onDragEnter);
    window.addEventListener('dragleave', this.onDragLeave);
    window.addEventListener('dragover', this.onDragOver);
    window.addEventListener('drop', this.onDrop);
    if (this.initial.problems.length) {
      this.controller.notify(
        'warning',
        'Some settings in the link were ignored',
        this.initial.problems.join(' '),
        ['dismiss'],
      );
    }
    if (this.pendingHosts.length === 0) void this.controller.start(this.initial.model);
  }

  /** A model picked or typed: loaded at once unless it comes from a host not yet approved. */
  private requestLoad(choice: ModelChoice, storage: WeightStorage): void {
    const hosts = hostsToApprove(
      { model: choice, hubBase: null },
      location.origin,
      approvedOrigins(),
    );
    if (hosts.length === 0) {
      void this.controller.loadModel(choice, storage);
      return;
    }
    this.pendingChoice = { choice, storage };
    this.pendingHosts = hosts;
  }

  /**
   * Yes: the hosts are remembered for this tab and the page reloads, so that its download
   * policy names them (a policy cannot be widened in place); the link keeps the state.
   * No: the link's model and hub are dropped (a typed URL is just not loaded).
   */
  private onHostApproval(approved: boolean): void {
    const hosts = this.pendingHosts;
    const typed = this.pendingChoice;
    this.pendingHosts = [];
    this.pendingChoice = null;
    if (approved) {
      for (const h of hosts) approveOrigin(h.origin);
      const c = this.controller;
      location.replace(
        writeUrlState(location.href, {
          model: typed?.choice ?? this.initial.model,
          storage: typed?.storage ?? c.storage,
          prompt: c.prompt,
          settings: c.settings,
          hubBase: typed ? c.hubBase : this.initial.hubBase,
        }),
      );
      return;
    }
    if (typed) return;
    const foreignModel = hosts.some((h) => h.what === 'model');
    void this.controller.start(foreignModel ? null : this.initial.model);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.runHold.dispose();
    window.removeEventListener('keydown', this.onKeyDown);
    window.removeEventListener('dragenter', this.onDragEnter);
    window.removeEventListener('dragleave', this.onDragLeave);
    window.removeEventListener('dragover', this.onDragOver);
    window.removeEventListener('drop', this.onDrop);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    this.syncUrl();
  }

  override render() {
    const c = this.controller;
    if (c.gpuStatus.state === 'unavailable') {
      return html`<no-webgpu-page .message=${c.gpuStatus.message}></no-webgpu-page>`;
    }
    // The views that follow the run live take turns while tokens stream (see StreamTurns).
    const [step, chart, figures] = [0, 1, 2].map(this.liveTurns.take(c.generating, this.liveRun()));
    const last = chart.output.length ? chart.output[chart.output.length - 1] : null;
    const held = this.runHold.take(c.generating, () => ({
      inspectorKey: this.inspectorKey(),
      contextKey: this.contextKey(),
      export: runInputFrom(c),
      contextIds: this.screenIds(),
      alternatives: c.output.map((t) => t.alternatives),
      firstOutput: c.promptIds.length,
    }));
    // In page order: the order they are let go after a run (see StreamHold).
    const [text, maps, ablation, dla] = [0, 1, 2, 3].map(held);
    return html`
      <header class="top">
        <h1 class="brand">
          <span class="logo" aria-hidden="true">G2</span>
          GPT-2 <small>WebGPU playground</small>
        </h1>
        <model-picker
          .current=${c.loading?.choice ?? c.failedChoice ?? c.model?.choice ?? null}
          .storage=${c.storage}
          ?busy=${c.gpuStatus.state === 'pending'}
          @model-load=${(e: ModelLoadEvent) => this.requestLoad(e.detail.choice, e.detail.storage)}
        ></model-picker>
        <gpu-status .status=${c.gpuStatus} .model=${c.model} .gpuBytes=${c.gpuBytes}></gpu-status>
      </header>
      <main>
        ${
          c.loading || c.messages.length || this.pendingHosts.length
            ? html`<div class="notices">
                ${
                  this.pendingHosts.length
                    ? html`<host-approval
                        .hosts=${this.pendingHosts}
                        .declineLabel=${this.pendingChoice ? 'Cancel' : null}
                        @host-approval=${(e: HostApprovalEvent) =>
                          this.onHostApproval(e.detail.approved)}
                      ></host-approval>`
                    : nothing
                }
                ${
                  c.loading
                    ? html`<load-progress
                        .loading=${c.loading}
                        @model-cancel=${() => c.cancelLoad()}
                      ></load-progress>`
                    : nothing
                }
                ${c.messages.map(
                  (m) =>
                    html`<message-banner
                      .message=${m}
                      @message-action=${(e: MessageActionEvent) =>
                        void c.act(e.detail.action, m.id)}
                    ></message-banner>`,
                )}
              </div>`
            : nothing
        }
        <div class="work">
          <section class="panel card prompt-card" aria-label="Prompt">
            <prompt-editor
              .text=${c.prompt}
              .pieces=${c.promptPieces}
              ?generating=${c.generating}
              ?canGenerate=${c.canGenerate}
              ?canContinue=${c.canContinue}
              ?canStep=${c.canStep}
              .limit=${c.nPositions ?? 0}
              ?hasOutput=${c.output.length > 0}
              .hint=${this.generateHint()}
              @prompt-input=${(e: PromptInputEvent) => c.setPrompt(e.detail.text)}
              @generate-request=${(e: GenerateRequestEvent) => this.onGenerateRequest(e)}
              @generation-stop=${() => c.stop()}
              @output-clear=${() => c.clearOutput()}
            ></prompt-editor>
          </section>
          <section class="panel card output-card" aria-label="Output">
            <token-output
              .tokens=${c.output}
              .prompt=${c.prompt}
              ?generating=${c.generating}
              .stopReason=${c.stopReason}
              .firstPosition=${Math.max(1, c.promptPieces.length)}
              .inspectable=${Math.max(0, c.cachedLength - Math.max(1, c.promptPieces.length))}
              @token-branch=${(e: TokenBranchEvent) => c.branch(e.detail.index, e.detail.id)}
              @token-select=${this.onOutputTokenSelect}
            ></token-output>
          </section>
          <section class="panel card analysis" aria-label="Branch history">
            <branch-history
              .tree=${c.tree}
              ?generating=${c.generating}
              @branch-select=${(e: BranchSelectEvent) => c.showBranch(e.detail.id)}
            ></branch-history>
          </section>
          <section class="panel card analysis" aria-label="The step under the microscope">
            <step-microscope
              .tokens=${step.output}
              .index=${this.microscopeIndex}
              .firstPosition=${Math.max(1, c.promptPieces.length)}
              .decode=${inspectorSource(c).decode}
              @token-select=${this.onInspectorTokenSelect}
            ></step-microscope>
          </section>
          <section class="panel card analysis" aria-label="Attention on the text">
            <attention-text
              .source=${inspectorSource(c)}
              .nLayer=${c.model?.config.nLayer ?? 0}
              .nHead=${c.model?.config.nHead ?? 0}
              ?generating=${text.streaming}
              .contextKey=${text.run.inspectorKey}
              .promptLength=${Math.max(1, c.promptPieces.length)}
              .selectedPosition=${this.selectedPosition}
              @token-select=${this.onInspectorTokenSelect}
            ></attention-text>
          </section>
          <!-- Inspector views: attention maps and the logit lens, as sections of their own. -->
          <attention-panel
            class="analysis"
            .source=${inspectorSource(c)}
            .nLayer=${c.model?.config.nLayer ?? 0}
            .nHead=${c.model?.config.nHead ?? 0}
            ?generating=${maps.streaming}
            .contextKey=${maps.run.inspectorKey}
            .selectedPosition=${this.selectedPosition}
            .ablation=${c.ablation}
            .roles=${c.headRoles}
            ?rolesBusy=${c.rolesBusy}
            @roles-request=${() => void c.findHeadRoles()}
            @head-ablate=${(e: HeadAblateEvent) =>
              c.setAblation(withHead(c.ablation, e.detail.layer, e.detail.head, e.detail.ablated))}
            .run=${maps.run.export}
            @token-select=${this.onInspectorTokenSelect}
          ></attention-panel>
          <intervention-panel
            class="analysis"
            .source=${interventionSource(c)}
            .ablation=${c.ablation}
            .nLayer=${c.model?.config.nLayer ?? 0}
            .nHead=${c.model?.config.nHead ?? 0}
            ?generating=${ablation.streaming}
            .contextKey=${ablation.run.contextKey}
            @ablation-change=${(e: AblationChangeEvent) => c.setAblation(e.detail)}
          ></intervention-panel>
          <dla-view
            class="analysis"
            .source=${c.model ? interventionSource(c) : null}
            .contextIds=${dla.run.contextIds}
            .alternatives=${dla.run.alternatives}
            .firstOutput=${dla.run.firstOutput}
            .selectedPosition=${this.selectedPosition}
            .nLayer=${c.model?.config.nLayer ?? 0}
            .nHead=${c.model?.config.nHead ?? 0}
            ?generating=${dla.streaming}
          ></dla-view>
          <patching-view
            class="analysis"
            .source=${c.model ? interventionSource(c) : null}
            .nPositions=${c.nPositions ?? 0}
            ?generating=${c.generating}
          ></patching-view>
        </div>
        <aside aria-label="Settings and figures">
          <section class="panel card sampling-card" aria-label="Sampling">
            <sampling-controls
              .settings=${c.settings}
              ?generating=${c.generating}
              @settings-change=${(e: SettingsChangeEvent) => c.setSettings(e.detail)}
              @settings-problem=${(e: SettingsProblemEvent) =>
                c.setSettingsProblem(e.detail.problem ?? '')}
            ></sampling-controls>
          </section>
          <section class="panel card">
            <temperature-chart .token=${last} .settings=${c.settings.sampling}></temperature-chart>
          </section>
          <section class="panel card">
            <live-figures
              .figures=${figures.figures}
              .contextTokens=${figures.contextLength}
              .nPositions=${c.nPositions ?? 0}
              .cachedLength=${figures.cachedLength}
              .kvBytesPerToken=${c.kvBytesPerToken}
            ></live-figures>
            <kernel-times
              .kernels=${figures.figures.kernels}
              ?available=${c.gpuStatus.state === 'ready' && c.gpuStatus.timestampQuery}
              ?enabled=${c.profileKernels}
              @kernel-profile-change=${(e: KernelProfileChangeEvent) =>
                c.setProfileKernels(e.detail.enabled)}
            ></kernel-times>
          </section>
        </aside>
      </main>
      <footer>
        Runs entirely on this device through WebGPU: hand-written WGSL kernels, no server.
        <a href="bench.html">Benchmark and self-test on this GPU</a>
      </footer>
      ${
        this.dragging
          ? html`<div class="drop" aria-hidden="true">
              <div>
                Drop a model folder<br /><span class="muted"
                  >or its config.json and model.safetensors</span
                >
              </div>
            </div>`
          : nothing
      }
    `;
  }

  /**
   * A chip of the output was clicked: the inspector selects its token. The last generated
   * token has not been run through the model yet (it is sampled from the step before), so it
   * has no row in the attention maps: that click only opens the chip's alternatives.
   */
  private onOutputTokenSelect = (e: TokenSelectEvent): void => {
    const position = e.detail.position;
    // The microscope shows any generated token, the last one too.
    if (position !== null) this.microscopeIndex = this.outputIndex(position);
    if (position !== null && position >= this.controller.cachedLength) return;
    this.selectedPosition = position;
  };

  /** The run as the analysis views see it (see StreamHold). */
  private readonly runHold = new StreamHold<{
    inspectorKey: unknown;
    contextKey: unknown;
    export: RunExportInput | null;
    contextIds: number[];
    alternatives: OutputToken['alternatives'][];
    firstOutput: number;
  }>(4, () => this.requestUpdate());

  /** The run as the live views see it while tokens stream (see StreamTurns). */
  private readonly liveTurns = new StreamTurns<LiveRun>(3, () => this.requestUpdate());
  private live: LiveRun | null = null;

  /**
   * The run now for the live views: the same object while it has not changed. The cache can
   * change on its own (an inspector view runs the last token), so its length is compared too.
   */
  private liveRun(): LiveRun {
    const c = this.controller;
    const now = {
      output: c.output,
      figures: c.figures,
      contextLength: c.contextLength,
      cachedLength: c.cachedLength,
    };
    const l = this.live;
    if (l && (Object.keys(now) as (keyof LiveRun)[]).every((k) => l[k] === now[k])) return l;
    this.live = now;
    return now;
  }

  private viewKey: { output: unknown; ablation: unknown } = { output: null, ablation: null };
  private textKey: { output: unknown; prompt: unknown } = { output: null, prompt: null };

  private screen: { key: unknown; model: unknown; ids: number[] } = {
    key: null,
    model: null,
    ids: [],
  };

  /** The ids of the text on screen (prompt, then output), the same array while it holds. */
  private screenIds(): number[] {
    const key = this.contextKey();
    const c = this.controller;
    if (this.screen.key !== key || this.screen.model !== c.model) {
      const ids = c.model ? [...c.promptIds, ...c.output.map((t) => t.id)] : [];
      this.screen = { key, model: c.model, ids };
    }
    return this.screen.ids;
  }

  /** Changes when the text on screen (prompt or output) may have. */
  private contextKey(): unknown {
    const c = this.controller;
    if (this.textKey.output !== c.output || this.textKey.prompt !== c.promptPieces) {
      this.textKey = { output: c.output, prompt: c.promptPieces };
    }
    return this.textKey;
  }

  /** Changes when the inspector's maps may have: new output, or another intervention. */
  private inspectorKey(): unknown {
    const c = this.controller;
    if (this.viewKey.output !== c.output || this.viewKey.ablation !== c.ablation) {
      this.viewKey = { output: c.output, ablation: c.ablation };
    }
    return this.viewKey;
  }

  /** A token picked in an inspector view: the other views follow. */
  private onInspectorTokenSelect = (e: TokenSelectEvent): void => {
    const position = e.detail.position;
    this.selectedPosition = position;
    const index = position === null ? null : this.outputIndex(position);
    if (index !== null) this.microscopeIndex = index;
  };

  /** The output index of a context position (null: a prompt token). */
  private outputIndex(position: number): number | null {
    const i = position - Math.max(1, this.controller.promptPieces.length);
    return i >= 0 && i < this.controller.output.length ? i : null;
  }

  /** Why Generate is unavailable right now ('' when it is available). */
  private onGenerateRequest(e: GenerateRequestEvent): void {
    const c = this.controller;
    if (e.detail.mode === 'new') c.generate();
    else if (e.detail.mode === 'continue') c.continue();
    else c.step();
  }

  private generateHint(): string {
    const c = this.controller;
    if (c.generating) return '';
    if (c.ready) return c.blockedReason;
    if (c.loading) return 'Loading the model…';
    if (c.gpuStatus.state === 'lost') return 'The GPU was lost: reload the model.';
    if (c.gpuStatus.state === 'pending') return 'Starting WebGPU…';
    return 'Load a model to generate.';
  }

  private syncUrl(): void {
    const c = this.controller;
    if (c.gpuStatus.state === 'unavailable') return;
    const href = writeUrlState(location.href, {
      // After the offline fallback the link keeps the model asked for: a reload tries it again.
      model: c.loading?.choice ?? c.fallbackFrom ?? c.model?.choice ?? this.initial.model,
      storage: c.storage,
      prompt: c.prompt,
      settings: c.settings,
      hubBase: c.hubBase,
      ablation: c.ablation,
    });
    if (href !== location.href) history.replaceState(history.state, '', href);
  }

  private onKeyDown = (e: KeyboardEvent): void => {
    const c = this.controller;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (!c.generating) c.generate();
    } else if (e.key === 'Escape' && c.generating) {
      c.stop();
    }
  };

  private static hasFiles(e: DragEvent): boolean {
    return e.dataTransfer?.types.includes('Files') ?? false;
  }

  private onDragEnter = (e: DragEvent): void => {
    if (!Gpt2App.hasFiles(e)) return;
    this.dragDepth++;
    this.dragging = true;
  };

  private onDragLeave = (e: DragEvent): void => {
    if (!Gpt2App.hasFiles(e)) return;
    this.dragDepth = Math.max(0, this.dragDepth - 1);
    if (this.dragDepth === 0) this.dragging = false;
  };

  private onDragOver = (e: DragEvent): void => {
    if (!Gpt2App.hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  };

  private onDrop = (e: DragEvent): void => {
    if (!Gpt2App.hasFiles(e) || !e.dataTransfer) return;
    e.preventDefault();
    this.dragDepth = 0;
    this.dragging = false;
    const c = this.controller;
    void droppedFiles(e.dataTransfer).then(
      (files) => c.loadModel({ kind: 'files', files }, c.storage),
      (err: unknown) =>
        c.notify('error', 'Could not read the dropped files', String(err), ['dismiss']),
    );
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'gpt2-app': Gpt2App;
  }
}
