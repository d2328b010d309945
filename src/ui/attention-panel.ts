import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import {
  formatProb,
  makeThumb,
  topAttended,
  type AttentionData,
  type Thumb,
} from './attention-data.ts';
import './attention-grid.ts';
import type { GridItem } from './attention-grid.ts';
import './attention-heatmap.ts';
import type { AttentionHeatmap } from './attention-heatmap.ts';
import { SCALE_KINDS, SCALE_LABELS, type ScaleKind } from './colour-scale.ts';
import { downloadRun, type RunExportInput } from './export-run.ts';
import { describeError, formatPercent, visibleToken } from './format.ts';
import {
  emitInspector,
  type AttentionSelectEvent,
  type TokenSelectEvent,
} from './inspector-events.ts';
import './logit-lens.ts';
import type { LensRow } from './logit-lens.ts';
import { downloadBlob, heatmapPng, heatmapSvg, SVG_MAX_N } from './png-export.ts';
import { sharedStyles } from './shared-styles.ts';

/**
 * Where the inspector gets its numbers: plain data computed on the GPU by the engine (through
 * the EngineController), never a GPU object. A method answers null when no model is loaded
 * or tokens are streaming.
 */
export interface InspectorSource {
  /** One head's attention over the tokens in the KV cache (engine.attention). */
  attention(layer: number, head: number): Promise<AttentionData | null>;
  /** The logit lens at a cached position (engine.logitLens); absent: the lens is not offered. */
  logitLens?(
    position: number,
    topN: number,
  ): Promise<
    readonly { layer: number; candidates: readonly { id: number; prob: number }[] }[] | null
  >;
  /** Text of token ids (the tokenizer; no GPU behind it). */
  decode(ids: readonly number[]): string;
}

/** Top tokens per layer in the logit lens. */
export const LENS_TOP_N = 8;
/** Full maps kept for quick head switching (bytes of Float32 probabilities). */
const MAP_CACHE_BYTES = 64 * 1024 * 1024;
/** Attended tokens listed for the selected token. */
const ATTENDS_SHOWN = 8;

type Job = () => Promise<void>;

/**
 * The inspector: where each token looks and what each layer predicts. An attention heatmap
 * of the chosen layer and head (labels, colour scale, value under the pointer, zoom for long
 * contexts), small maps of every head of the layer, an overview of every layer x head
 * (computed on demand, one map at a time, never blocking the page), the tokens the selected
 * token attends to most, and the logit lens at the selected position. Exports the map as PNG
 * or SVG and the whole run as JSON.
 *
 * Maps are fetched from `source` one at a time, most wanted first (the selected map, the
 * lens, the layer's heads, then the overview); a new context (`contextKey` changes) or a
 * generation starting drops what is in flight. While tokens stream, the last maps stay on
 * screen, marked as paused.
 *
 * @fires token-select - a token was selected in the map or the list (position, or null)
 * @fires attention-select - a layer and head were chosen
 */
@customElement('attention-panel')
export class AttentionPanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        gap: 1.25rem;
        container-type: inline-size;
      }
      .panel {
        padding: 1.1rem 1.25rem 1.25rem;
        min-width: 0;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.6rem 1rem;
        margin-bottom: 0.9rem;
      }
      .head h2 {
        margin: 0;
      }
      .controls {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 0.9rem;
      }
      label.field {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.8125rem;
        color: var(--text-muted);
      }
      .status {
        margin: 0 0 0.75rem;
        padding: 0.5rem 0.75rem;
        border-radius: var(--radius-small);
        background: var(--surface-2);
        font-size: 0.8125rem;
        color: var(--text-muted);
      }
      .status.error {
        background: var(--danger-soft);
        color: var(--danger);
      }
      .main {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(14rem, 19rem);
        gap: 1.25rem;
        align-items: start;
      }
      @container (max-width: 820px) {
        .main {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      .stale attention-heatmap {
        opacity: 0.6;
      }
      .side {
        display: grid;
        gap: 1.1rem;
        min-width: 0;
      }
      h3 {
        margin: 0 0 0.5rem;
        font-size: 0.8125rem;
        font-weight: 650;
      }
      .exports {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        margin-top: 0.75rem;
      }
      ol.attends {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.2rem;
      }
      ol.attends button {
        width: 100%;
        min-height: 1.9rem;
        justify-content: flex-start;
        gap: 0.5rem;
        padding: 0 0.5rem;
        font-weight: 450;
        font-size: 0.8125rem;
        border-color: transparent;
        background: transparent;
        position: relative;
        overflow: hidden;
      }
      ol.attends button:hover {
        border-color: var(--border);
      }
      .bar {
        position: absolute;
        inset: 0 auto 0 0;
        background: var(--accent-soft);
        z-index: 0;
      }
      ol.attends .tok,
      ol.attends .pos,
      ol.attends .pct {
        position: relative;
        z-index: 1;
      }
      .tok {
        font-family: var(--font-mono);
        white-space: pre;
        overflow: hidden;
        text-overflow: ellipsis;
        min-width: 0;
      }
      .pos {
        color: var(--text-muted);
        font-size: 0.75rem;
      }
      .pct {
        margin-left: auto;
        font-variant-numeric: tabular-nums;
      }
      .hint {
        font-size: 0.8125rem;
        color: var(--text-muted);
        margin: 0;
      }
      details {
        margin-top: 1.25rem;
        border-top: 1px solid var(--border);
        padding-top: 0.9rem;
      }
      summary {
        cursor: pointer;
        font-size: 0.875rem;
        font-weight: 600;
      }
      summary .muted {
        font-weight: 450;
        font-size: 0.8125rem;
      }
      .overview {
        margin-top: 0.75rem;
      }
      progress {
        width: 12rem;
        vertical-align: middle;
        accent-color: var(--accent);
      }
      .tok-inline {
        font-family: var(--font-mono);
        white-space: pre;
        background: var(--surface-2);
        border-radius: 4px;
        padding: 0 0.25rem;
      }
    `,
  ];

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

  @state() private layer = 0;
  @state() private head = 0;
  @state() private scale: ScaleKind = 'sqrt';
  /** The map on screen (may be from an earlier context while a new one loads). */
  @state() private map: AttentionData | null = null;
  @state() private labels: string[] = [];
  @state() private selected: number | null = null;
  @state() private error = '';
  @state() private loading = false;
  /** The source answered null (no model, or streaming). */
  @state() private unavailable = false;
  @state() private thumbs = new Map<string, Thumb>();
  @state() private overviewOpen = false;
  @state() private lens: { position: number; rows: LensRow[] } | null = null;
  @state() private lensLoading = false;
  @state() private lensError = '';
  @state() private exportError = '';

  @query('attention-heatmap') private heatmap?: AttentionHeatmap;

  /** Bumped when the context changes: answers from an older epoch are dropped. */
  private epoch = 0;
  /** Epoch of `map`, `labels` and `thumbs`. */
  private mapEpoch = -1;
  private lensEpoch = -1;
  private readonly full = new Map<string, AttentionData>();
  private fullBytes = 0;
  private working = false;
  /** Context length of the current epoch (-1: unknown yet). */
  private n = -1;
  private labelIds: readonly number[] = [];

  /** The attention map on screen, as the engine computed it (read-only; tests read it). */
  get currentMap(): AttentionData | null {
    return this.map;
  }

  /** The logit lens rows on screen (read-only; tests read them). */
  get currentLens(): { position: number; rows: readonly LensRow[] } | null {
    return this.lens;
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
      this.newEpoch();
    }
    if (changed.has('selectedPosition')) this.selected = this.selectedPosition;
    // A run that ended (or was stopped) may have left the cache as it was: ask again.
    if (changed.has('generating') && !this.generating) this.unavailable = false;
  }

  /** Any change may want a map or the lens that is not on screen: the loop finds out. */
  protected override updated(): void {
    this.kick();
  }

  private newEpoch(): void {
    this.epoch++;
    this.full.clear();
    this.fullBytes = 0;
    this.n = -1;
    this.unavailable = false;
  }

  // ---- fetching ----

  /** Starts the fetch loop unless it runs (it picks up the new wants by itself). */
  private kick(): void {
    if (this.working || this.generating || !this.source || !this.nLayer) return;
    this.working = true;
    void this.work().finally(() => {
      this.working = false;
      // A want that arrived as the loop was ending.
      if (!this.generating && this.nextJob()) this.kick();
    });
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.generating || !this.source) return;
      const job = this.nextJob();
      if (!job) return;
      await job();
      // Let the page breathe between GPU round trips.
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    }
  }

  /** The most wanted thing not on screen yet, or null when everything is. */
  private nextJob(): Job | null {
    if (this.unavailable || this.n === 0) return null;
    const key = (l: number, h: number) => `${l}:${h}`;
    const { layer, head } = this;
    const current = this.mapEpoch === this.epoch && this.map;
    if (!current || this.map!.layer !== layer || this.map!.head !== head) {
      return () => this.fetchMap(layer, head, true);
    }
    const position = this.selected ?? this.n - 1;
    if (
      this.source?.logitLens &&
      !this.lensError &&
      (this.lensEpoch !== this.epoch || this.lens?.position !== position)
    ) {
      return () => this.fetchLens(position);
    }
    for (let h = 0; h < this.nHead; h++) {
      if (!this.thumbs.has(key(layer, h))) return () => this.fetchMap(layer, h, false);
    }
    if (this.overviewOpen) {
      for (let l = 0; l < this.nLayer; l++) {
        for (let h = 0; h < this.nHead; h++) {
          if (!this.thumbs.has(key(l, h))) return () => this.fetchMap(l, h, false);
        }
      }
    }
    return null;
  }

  private async fetchMap(layer: number, head: number, show: boolean): Promise<void> {
    const epoch = this.epoch;
    const key = `${layer}:${head}`;
    let map = show ? (this.full.get(key) ?? null) : null;
    if (!map) {
      if (show) this.loading = true;
      try {
        map = await this.source!.attention(layer, head);
      } catch (e) {
        if (epoch === this.epoch) {
          this.error = `The attention map could not be computed: ${describeError(e)}`;
          this.unavailable = true;
        }
        return;
      } finally {
        if (show) this.loading = false;
      }
      if (epoch !== this.epoch) return;
      if (!map) {
        this.unavailable = true;
        return;
      }
      this.remember(key, map);
    }
    this.error = '';
    if (this.mapEpoch !== epoch) {
      // First map of a new context: its token labels, a fresh set of thumbnails.
      this.thumbs = new Map();
      this.mapEpoch = epoch;
      this.n = map.n;
      this.setLabels(map.ids);
      if (this.selected !== null && this.selected >= map.n) {
        // Tell the shell, so a token selected elsewhere (an output chip) can be selected again.
        this.selected = null;
        emitInspector(this, 'token-select', { position: null });
      }
    }
    if (!this.thumbs.has(key)) this.thumbs = new Map(this.thumbs).set(key, makeThumb(map));
    if (show || (this.map?.layer === layer && this.map.head === head)) this.map = map;
  }

  private remember(key: string, map: AttentionData): void {
    const bytes = map.probs.byteLength;
    if (bytes > MAP_CACHE_BYTES) return;
    this.full.set(key, map);
    this.fullBytes += bytes;
    for (const [k, m] of this.full) {
      if (this.fullBytes <= MAP_CACHE_BYTES) break;
      if (k === key) continue;
      this.full.delete(k);
      this.fullBytes -= m.probs.byteLength;
    }
  }

  private setLabels(ids: readonly number[]): void {
    if (sameIds(ids, this.labelIds)) return;
    this.labelIds = [...ids];
    const source = this.source!;
    this.labels = ids.map((id) => visibleToken(source.decode([id])));
  }

  private async fetchLens(position: number): Promise<void> {
    const epoch = this.epoch;
    this.lensLoading = true;
    try {
      const rows = await this.source!.logitLens!(position, LENS_TOP_N);
      if (epoch !== this.epoch) return;
      if (!rows) {
        this.unavailable = true;
        return;
      }
      const source = this.source!;
      this.lens = {
        position,
        rows: rows.map((r) => ({
          layer: r.layer,
          candidates: r.candidates.map((c) => ({
            id: c.id,
            prob: c.prob,
            text: visibleToken(source.decode([c.id])),
          })),
        })),
      };
      this.lensEpoch = epoch;
      this.lensError = '';
    } catch (e) {
      if (epoch === this.epoch)
        this.lensError = `The logit lens could not be computed: ${describeError(e)}`;
    } finally {
      this.lensLoading = false;
    }
  }

  // ---- intents ----

  private choose(layer: number, head: number): void {
    if (layer === this.layer && head === this.head) return;
    this.layer = layer;
    this.head = head;
    // A map already computed shows at once.
    const cached = this.mapEpoch === this.epoch ? this.full.get(`${layer}:${head}`) : undefined;
    if (cached) this.map = cached;
    emitInspector(this, 'attention-select', { layer, head });
  }

  private onGridSelect = (e: AttentionSelectEvent): void => {
    e.stopPropagation();
    this.choose(e.detail.layer, e.detail.head);
  };

  /** From the heatmap: remember it and let it bubble on to the shell. */
  private onTokenSelect = (e: TokenSelectEvent): void => {
    this.selected = e.detail.position;
    this.lensError = '';
  };

  private selectToken(position: number | null): void {
    this.selected = position;
    this.lensError = '';
    emitInspector(this, 'token-select', { position });
  }

  private async exportPng(): Promise<void> {
    const m = this.map;
    if (!m) return;
    try {
      const blob = await heatmapPng({
        map: m,
        labels: this.labels,
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
    const m = this.map;
    if (!m) return;
    try {
      const svg = heatmapSvg({
        map: m,
        labels: this.labels,
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

  private mapTitle(m: AttentionData): string {
    return `Attention, layer ${m.layer}, head ${m.head} (${m.n} tokens)`;
  }

  private fileStem(m: AttentionData): string {
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
    const m = this.map;
    const stale = m !== null && this.mapEpoch !== this.epoch;
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
                  (h) => html`<option value=${h} ?selected=${h === this.head}>${h}</option>`,
                )}
              </select></label
            >
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
              .labels=${this.labels}
              .scale=${this.scale}
              .selected=${this.selected}
              caption=${m ? `Attention of layer ${m.layer}, head ${m.head}` : 'Attention map'}
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
                @attention-select=${this.onGridSelect}
              ></attention-grid>
            </div>
            <div>${this.attendsTo()}</div>
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

  private statusLine(stale: boolean) {
    if (this.error) return html`<p class="status error" role="alert">${this.error}</p>`;
    if (this.generating) {
      return html`<p class="status" data-testid="attention-status">
        Paused while tokens stream: the maps update when the text is done.
      </p>`;
    }
    if (this.n === 0) {
      return html`<p class="status" data-testid="attention-status">
        Generate some text to see where each token looks.
      </p>`;
    }
    if (this.unavailable && this.map === null) {
      return html`<p class="status" data-testid="attention-status">No attention maps yet.</p>`;
    }
    if (this.loading || stale) {
      return html`<p class="status" data-testid="attention-status">Computing the map…</p>`;
    }
    return nothing;
  }

  private layerItems(): GridItem[] {
    return range(this.nHead).map((h) => ({
      layer: this.layer,
      head: h,
      thumb: this.thumbs.get(`${this.layer}:${h}`) ?? null,
    }));
  }

  private overview() {
    const items: GridItem[] = [];
    for (let l = 0; l < this.nLayer; l++) {
      for (let h = 0; h < this.nHead; h++) {
        items.push({ layer: l, head: h, thumb: this.thumbs.get(`${l}:${h}`) ?? null });
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
        style="--grid-gap: 0.2rem"
        @attention-select=${this.onGridSelect}
      ></attention-grid>
    </div>`;
  }

  private attendsTo() {
    const map = this.map;
    if (!map || !map.n) return nothing;
    const row = this.selected;
    if (row === null || row >= map.n) {
      return html`<h3>Where a token looks</h3>
        <p class="hint">
          Click a row of the map (or a row label) to see where its token attends.
        </p>`;
    }
    const top = topAttended(map.probs, map.n, row, ATTENDS_SHOWN);
    return html`<h3>
        <span class="tok-inline">${this.labels[row] ?? ''}</span>
        <span class="muted">#${row}</span> attends to
      </h3>
      <ol class="attends" data-testid="attends-to">
        ${top.map(
          (c) =>
            html`<li>
              <button
                type="button"
                title=${`Select token #${c.col}; weight ${formatProb(c.p)}`}
                @click=${() => this.selectToken(c.col)}
              >
                <span class="bar" style="width:${(c.p * 100).toFixed(1)}%"></span>
                <span class="tok">${this.labels[c.col] ?? ''}</span>
                <span class="pos">#${c.col}</span>
                <span class="pct">${formatPercent(c.p)}</span>
              </button>
            </li>`,
        )}
      </ol>
      <button class="small ghost" type="button" @click=${() => this.selectToken(null)}>
        Clear selection
      </button>`;
  }

  private lensSection() {
    const n = this.n;
    const wanted = this.selected ?? (n > 0 ? n - 1 : null);
    const lens = this.lens && this.lensEpoch === this.mapEpoch ? this.lens : null;
    const position = lens?.position ?? null;
    const context = this.run ? [...this.run.promptIds, ...this.run.output.map((t) => t.id)] : null;
    const nextId =
      position !== null ? (context?.[position + 1] ?? this.map?.ids[position + 1] ?? null) : null;
    return html`<section class="panel card" aria-label="Logit lens">
      <h2>Logit lens</h2>
      <logit-lens
        .rows=${lens?.rows ?? null}
        .position=${position}
        .token=${position !== null ? (this.labels[position] ?? '') : ''}
        .nextId=${nextId}
        ?loading=${this.lensLoading || (wanted !== null && wanted !== position && !this.generating)}
        .error=${this.lensError}
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

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-panel': AttentionPanel;
  }
}
