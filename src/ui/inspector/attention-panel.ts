import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { emit, type AttentionSelectEvent, type TokenSelectEvent } from '../events.ts';
import { describeError } from '../format.ts';
import { sharedStyles } from '../shared-styles.ts';
import './attends-to.ts';
import './attention-grid.ts';
import type { GridItem } from './attention-grid.ts';
import './attention-heatmap.ts';
import type { AttentionHeatmap } from './attention-heatmap.ts';
import { panelStyles } from './attention-panel.styles.ts';
import { SCALE_KINDS, SCALE_LABELS, type ScaleKind } from './colour-scale.ts';
import { downloadRun, type RunExportInput } from './export-run.ts';
import type { AttentionMap, InspectorSource } from './inspector-source.ts';
import './logit-lens.ts';
import { MapScheduler } from './map-scheduler.ts';
import { isAblated, NO_ABLATION, type AblationSettings } from '../interventions/ablation.ts';
import {
  headRoleNames,
  headRoleScores,
  ROLE_BADGES,
  ROLE_LABELS,
  type HeadRoles,
} from '../interventions/head-role-badges.ts';
import { downloadBlob, heatmapPng, heatmapSvg, SVG_MAX_N } from './png-export.ts';

export type { InspectorSource } from './inspector-source.ts';

/**
 * The inspector: where each token looks and what each layer predicts. An attention heatmap
 * of the chosen layer and head (labels, colour scale, value under the pointer, zoom for long
 * contexts), small maps of every head of the layer, an overview of every layer x head
 * (computed on demand, one map at a time, never blocking the page), the tokens the selected
 * token attends to most, and the logit lens at the selected position. Exports the map as PNG
 * or SVG and the whole run as JSON.
 *
 * Maps are fetched from `source` by a MapScheduler (map-scheduler.ts), one at a time, most
 * wanted first; a new context (`contextKey` changes) drops what is in flight. While tokens stream, the last maps stay on
 * screen, marked as paused.
 *
 * @fires token-select - a token was selected in the map or the list (position, or null)
 * @fires attention-select - a layer and head were chosen
 * @fires head-ablate - the ablate toggle beside the head picker or on a grid map was pressed
 * @fires roles-request - the user asked for the heads' roles
 */
@customElement('attention-panel')
export class AttentionPanel extends LitElement {
  static override styles = [sharedStyles, panelStyles];

  /** Where maps and the lens come from; null: no model. */
  @property({ attribute: false }) source: InspectorSource | null = null;
  @property({ type: Number }) nLayer = 0;
  @property({ type: Number }) nHead = 0;
  /** Tokens are streaming: maps are not fetched until it ends. */
  @property({ type: Boolean }) generating = false;
  /** Changes whenever the context may have changed (e.g. the output array): maps are refetched. */
  @property({ attribute: false }) contextKey: unknown = null;
  /** A token selected elsewhere (a chip of the output), as a context position. */
  @property({ attribute: false }) selectedPosition: number | null = null;
  /** The run, for the JSON export (null: nothing to export). */
  @property({ attribute: false }) run: RunExportInput | null = null;
  /** The heads ablated: marked in the picker and the grids, toggled beside them. */
  @property({ attribute: false }) ablation: AblationSettings = NO_ABLATION;
  /** Head roles of the loaded model (null: not computed), as badges on heads. */
  @property({ attribute: false }) roles: HeadRoles | null = null;
  /** The roles are being computed. */
  @property({ type: Boolean }) rolesBusy = false;

  @state() private layer = 0;
  @state() private head = 0;
  @state() private scale: ScaleKind = 'sqrt';
  @state() private selected: number | null = null;
  @state() private overviewOpen = false;
  @state() private exportError = '';

  @query('attention-heatmap') private heatmap?: AttentionHeatmap;

  private readonly jobs = new MapScheduler(
    this,
    () => ({
      source: this.source,
      nLayer: this.nLayer,
      nHead: this.nHead,
      layer: this.layer,
      head: this.head,
      selected: this.selected,
      overviewOpen: this.overviewOpen,
      generating: this.generating,
    }),
    () => {
      // Tell the shell, so a token selected elsewhere (an output chip) can be selected again.
      this.selected = null;
      emit(this, 'token-select', { position: null });
    },
  );

  /** The attention map on screen, as the engine computed it (read-only; tests read it). */
  get currentMap(): AttentionMap | null {
    return this.jobs.map;
  }

  /** The logit lens rows on screen (read-only; tests read them). */
  get currentLens() {
    return this.jobs.lens;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('nLayer') || changed.has('nHead')) {
      this.layer = Math.min(this.layer, Math.max(0, this.nLayer - 1));
      this.head = Math.min(this.head, Math.max(0, this.nHead - 1));
    }
    if (
      changed.has('contextKey') ||
      changed.has('source') ||
      changed.has('nLayer') ||
      changed.has('nHead')
    ) {
      this.jobs.newEpoch();
    }
    if (changed.has('selectedPosition')) this.selected = this.selectedPosition;
    // A run that ended (or was stopped) may have left the cache as it was: ask again.
    if (changed.has('generating') && !this.generating) this.jobs.unavailable = false;
  }

  /** Any change may want a map or the lens that is not on screen: the scheduler finds out. */
  protected override updated(): void {
    this.jobs.kick();
  }

  // ---- intents ----

  private choose(layer: number, head: number): void {
    if (layer === this.layer && head === this.head) return;
    this.layer = layer;
    this.head = head;
    // A map already computed shows at once.
    const cached = this.jobs.cached(layer, head);
    if (cached) this.jobs.map = cached;
    emit(this, 'attention-select', { layer, head });
  }

  private onGridSelect = (e: AttentionSelectEvent): void => {
    e.stopPropagation();
    this.choose(e.detail.layer, e.detail.head);
  };

  /** From the heatmap or the list: remember it and let it bubble on to the shell. */
  private onTokenSelect = (e: TokenSelectEvent): void => {
    this.selected = e.detail.position;
    this.jobs.clearLensError();
  };

  private async exportPng(): Promise<void> {
    const m = this.jobs.map;
    if (!m) return;
    try {
      const blob = await heatmapPng({
        map: m,
        labels: this.jobs.labels,
        scale: this.scale,
        title: this.mapTitle(m),
      });
      downloadBlob(blob, `${this.fileStem(m)}.png`);
      this.exportError = '';
    } catch (e) {
      this.exportError = describeError(e);
    }
  }

  private exportSvg(): void {
    const m = this.jobs.map;
    if (!m) return;
    try {
      const svg = heatmapSvg({
        map: m,
        labels: this.jobs.labels,
        scale: this.scale,
        title: this.mapTitle(m),
      });
      downloadBlob(new Blob([svg], { type: 'image/svg+xml' }), `${this.fileStem(m)}.svg`);
      this.exportError = '';
    } catch (e) {
      this.exportError = describeError(e);
    }
  }

  private exportRun(): void {
    if (!this.run) return;
    downloadRun({ ...this.run, attention: { layer: this.layer, head: this.head } });
  }

  private mapTitle(m: AttentionMap): string {
    return `Attention, layer ${m.layer}, head ${m.head} (${m.n} tokens)`;
  }

  private fileStem(m: AttentionMap): string {
    return `attention-layer${m.layer}-head${m.head}-${m.n}tokens`;
  }

  // ---- rendering ----

  override render() {
    if (!this.nLayer || !this.source) {
      return html`<section class="panel card" aria-label="Attention">
        <h2>Attention</h2>
        <p class="status">Load a model to see where each token looks.</p>
      </section>`;
    }
    const m = this.jobs.map;
    const stale = this.jobs.stale;
    if ((!m || m.n === 0) && !this.jobs.loading && !this.jobs.error) {
      // Nothing to draw yet: one sentence, not an empty canvas with zoom buttons.
      return html`<section class="panel card" aria-label="Attention">
        <h2>Attention</h2>
        <p class="status" data-testid="attention-status">
          ${
            this.generating
              ? 'Paused while tokens stream: the maps appear when the text is done.'
              : 'No attention maps yet: generate some text to see where each token looks.'
          }
        </p>
      </section>`;
    }
    return html`<section class="panel card" aria-label="Attention">
        <div class="head">
          <h2>Attention</h2>
          <div class="controls">
            <label class="field"
              >Layer
              <select
                data-testid="attention-layer"
                .value=${String(this.layer)}
                @change=${(e: Event) =>
                  this.choose(Number((e.target as HTMLSelectElement).value), this.head)}
              >
                ${range(this.nLayer).map(
                  (l) => html`<option value=${l} ?selected=${l === this.layer}>${l}</option>`,
                )}
              </select></label
            >
            <label class="field"
              >Head
              <select
                data-testid="attention-head"
                .value=${String(this.head)}
                @change=${(e: Event) =>
                  this.choose(this.layer, Number((e.target as HTMLSelectElement).value))}
              >
                ${range(this.nHead).map(
                  (h) =>
                    html`<option
                      value=${h}
                      ?selected=${h === this.head}
                      title=${headRoleScores(this.roles, this.layer, h)}
                    >
                      ${h}${headRoleNames(this.roles, this.layer, h)
                        .map((r) => ` · ${ROLE_LABELS[r]}`)
                        .join('')}${isAblated(this.ablation, this.layer, h) ? ' ⊘ ablated' : ''}
                    </option>`,
                )}
              </select></label
            >
            ${this.ablateToggle()}
            <button
              class="small"
              type="button"
              data-testid="roles-run"
              ?disabled=${this.rolesBusy || this.generating}
              title="Score every head on a repeated random sequence: previous-token, first-token, self and induction heads get a badge"
              @click=${() => emit(this, 'roles-request', {})}
            >
              ${this.rolesBusy ? 'Finding roles…' : this.roles ? 'Head roles ✓' : 'Find head roles'}
            </button>
            <label class="field"
              >Scale
              <select
                data-testid="attention-scale"
                .value=${this.scale}
                @change=${(e: Event) =>
                  (this.scale = (e.target as HTMLSelectElement).value as ScaleKind)}
              >
                ${SCALE_KINDS.map(
                  (k) =>
                    html`<option value=${k} ?selected=${k === this.scale}>
                      ${SCALE_LABELS[k]}
                    </option>`,
                )}
              </select></label
            >
          </div>
        </div>
        ${this.statusLine(stale)}
        <div class="main ${stale ? 'stale' : ''}">
          <div>
            <attention-heatmap
              .map=${m}
              .labels=${this.jobs.labels}
              .scale=${this.scale}
              .selected=${this.selected}
              caption=${
                m
                  ? `Attention of layer ${m.layer}, head ${m.head}${isAblated(this.ablation, m.layer, m.head) ? ' (ablated: its output is changed after this map)' : ''}`
                  : 'Attention map'
              }
              @token-select=${this.onTokenSelect}
            ></attention-heatmap>
            <div class="exports" role="group" aria-label="Export">
              <button
                class="small"
                type="button"
                data-testid="export-png"
                ?disabled=${!m?.n}
                @click=${() => void this.exportPng()}
              >
                Export PNG
              </button>
              <button
                class="small"
                type="button"
                data-testid="export-svg"
                ?disabled=${!m?.n || m.n > SVG_MAX_N}
                title=${
                  m && m.n > SVG_MAX_N
                    ? `SVG is offered up to ${SVG_MAX_N} tokens; this map has ${m.n}`
                    : 'A vector image of the map'
                }
                @click=${() => this.exportSvg()}
              >
                Export SVG
              </button>
              <button
                class="small"
                type="button"
                data-testid="export-run"
                ?disabled=${!this.run}
                title="The prompt, settings, seed and every token with its probability and candidates"
                @click=${() => this.exportRun()}
              >
                Export run (JSON)
              </button>
              ${
                this.exportError
                  ? html`<span class="status error" role="alert">${this.exportError}</span>`
                  : nothing
              }
            </div>
          </div>
          <div class="side">
            <div>
              <h3>Heads of layer ${this.layer}</h3>
              <attention-grid
                data-testid="layer-grid"
                label=${`Heads of layer ${this.layer}`}
                .items=${this.layerItems()}
                .columns=${Math.min(4, this.nHead)}
                .size=${56}
                captions
                .selected=${{ layer: this.layer, head: this.head }}
                .scale=${this.scale}
                toggles
                ?togglesDisabled=${this.generating}
                @attention-select=${this.onGridSelect}
              ></attention-grid>
            </div>
            <attends-to
              .map=${m}
              .labels=${this.jobs.labels}
              .selected=${this.selected}
              @token-select=${this.onTokenSelect}
            ></attends-to>
          </div>
        </div>
        <details
          ?open=${this.overviewOpen}
          @toggle=${(e: Event) => (this.overviewOpen = (e.target as HTMLDetailsElement).open)}
        >
          <summary data-testid="overview-toggle">
            All layers × heads
            <span class="muted">(${this.nLayer * this.nHead} maps, computed when opened)</span>
          </summary>
          ${this.overviewOpen ? this.overview() : nothing}
        </details>
      </section>
      ${this.source.logitLens ? this.lensSection() : nothing}`;
  }

  private roleBadges(layer: number, head: number): Pick<GridItem, 'roles' | 'roleScores'> {
    if (!this.roles) return {};
    return {
      roles: headRoleNames(this.roles, layer, head).map((r) => ({
        role: r,
        badge: ROLE_BADGES[r],
      })),
      roleScores: headRoleScores(this.roles, layer, head),
    };
  }

  /** Ablates the picked head, or restores it (the interventions panel sets the mode). */
  private ablateToggle() {
    const on = isAblated(this.ablation, this.layer, this.head);
    return html`<button
      class="small ${on ? 'ablated' : ''}"
      type="button"
      data-testid="ablate-toggle"
      aria-pressed=${on ? 'true' : 'false'}
      ?disabled=${this.generating}
      title=${on ? 'This head is ablated: press to restore it' : 'Switch this head off (see Interventions for the mode)'}
      @click=${() =>
        emit(this, 'head-ablate', { layer: this.layer, head: this.head, ablated: !on })}
    >
      ${on ? `⊘ L${this.layer}H${this.head} ablated` : `Ablate L${this.layer}H${this.head}`}
    </button>`;
  }

  private statusLine(stale: boolean) {
    if (this.jobs.error) return html`<p class="status error" role="alert">${this.jobs.error}</p>`;
    if (this.generating) {
      return html`<p class="status" data-testid="attention-status">
        Paused while tokens stream: the maps update when the text is done.
      </p>`;
    }
    if (this.jobs.n === 0) {
      return html`<p class="status" data-testid="attention-status">
        Generate some text to see where each token looks.
      </p>`;
    }
    if (this.jobs.unavailable && this.jobs.map === null) {
      return html`<p class="status" data-testid="attention-status">No attention maps yet.</p>`;
    }
    if (this.jobs.loading || stale) {
      return html`<p class="status" data-testid="attention-status">Computing the map…</p>`;
    }
    return nothing;
  }

  private layerItems(): GridItem[] {
    return range(this.nHead).map((h) => ({
      layer: this.layer,
      head: h,
      thumb: this.jobs.thumbs.get(`${this.layer}:${h}`) ?? null,
      ablated: isAblated(this.ablation, this.layer, h),
      ...this.roleBadges(this.layer, h),
    }));
  }

  private overview() {
    const items: GridItem[] = [];
    for (let l = 0; l < this.nLayer; l++) {
      for (let h = 0; h < this.nHead; h++) {
        items.push({
          layer: l,
          head: h,
          thumb: this.jobs.thumbs.get(`${l}:${h}`) ?? null,
          ablated: isAblated(this.ablation, l, h),
          ...this.roleBadges(l, h),
        });
      }
    }
    const done = items.filter((i) => i.thumb).length;
    const size = this.nHead <= 12 ? 40 : this.nHead <= 16 ? 32 : 24;
    return html`<div class="overview">
      ${
        done < items.length
          ? html`<p class="hint" data-testid="overview-progress">
              <progress max=${items.length} value=${done}></progress>
              ${done} of ${items.length}
              maps${this.generating ? ' (paused while tokens stream)' : ''}
            </p>`
          : nothing
      }
      <attention-grid
        data-testid="overview-grid"
        label="Every layer and head"
        .items=${items}
        .columns=${this.nHead}
        .size=${size}
        .rowLabels=${range(this.nLayer).map((l) => `L${l}`)}
        .columnLabels=${range(this.nHead).map((h) => `h${h}`)}
        .selected=${{ layer: this.layer, head: this.head }}
        .scale=${this.scale}
        toggles
        ?togglesDisabled=${this.generating}
        style="--grid-gap: 0.35rem"
        @attention-select=${this.onGridSelect}
      ></attention-grid>
    </div>`;
  }

  private lensSection() {
    const n = this.jobs.n;
    const wanted = this.selected ?? (n > 0 ? n - 1 : null);
    const lens = this.jobs.currentLens;
    const position = lens?.position ?? null;
    const context = this.run ? [...this.run.promptIds, ...this.run.output.map((t) => t.id)] : null;
    const nextId =
      position !== null
        ? (context?.[position + 1] ?? this.jobs.map?.ids[position + 1] ?? null)
        : null;
    return html`<section class="panel card" aria-label="Logit lens">
      <h2>Logit lens</h2>
      <logit-lens
        .rows=${lens?.rows ?? null}
        .position=${position}
        .token=${position !== null ? (this.jobs.labels[position] ?? '') : ''}
        .nextId=${nextId}
        ?loading=${this.jobs.lensLoading || (wanted !== null && wanted !== position && !this.generating)}
        .error=${this.jobs.lensError}
      ></logit-lens>
    </section>`;
  }

  /** The heatmap element (tests drive it). */
  get heatmapElement(): AttentionHeatmap | undefined {
    return this.heatmap;
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-panel': AttentionPanel;
  }
}
