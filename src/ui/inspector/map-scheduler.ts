/**
 * What the inspector fetches, and when: a reactive controller that asks its InspectorSource
 * for one thing at a time, most wanted first (the selected map, the lens at the selected
 * position, the thumbnails of the layer's heads, then the overview's), and lets the page
 * breathe between GPU round trips. A new context (`newEpoch`) drops what is in flight: an
 * answer from an older epoch is never shown. Full maps are kept up to MAP_CACHE_BYTES for
 * quick head switching. Its fields are the state the panel renders.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { describeError, visibleToken } from '../format.ts';
import { makeThumb, type Thumb } from './attention-data.ts';
import type { AttentionMap, InspectorSource, LogitLensRow } from './inspector-source.ts';
import type { LensRow } from './logit-lens.ts';

/** Top tokens per layer in the logit lens. */
export const LENS_TOP_N = 8;
/** Full maps kept for quick head switching (bytes of Float32 probabilities). */
const MAP_CACHE_BYTES = 64 * 1024 * 1024;

/** What the panel wants right now (read whenever the scheduler picks its next job). */
export interface InspectorWants {
  source: InspectorSource | null;
  nLayer: number;
  nHead: number;
  layer: number;
  head: number;
  /** The selected position (the lens follows it; null: the last one). */
  selected: number | null;
  overviewOpen: boolean;
  /** Tokens are streaming: nothing is fetched until it ends. */
  generating: boolean;
}

type Job = () => Promise<void>;

export class MapScheduler implements ReactiveController {
  /** The map on screen (may be from an earlier context while a new one loads). */
  map: AttentionMap | null = null;
  labels: string[] = [];
  thumbs = new Map<string, Thumb>();
  lens: { position: number; rows: LensRow[] } | null = null;
  loading = false;
  lensLoading = false;
  error = '';
  lensError = '';
  /** The source answered null (no model, or streaming). */
  unavailable = false;
  /** Context length of the current epoch (-1: unknown yet). */
  n = -1;

  /** Bumped when the context changes: answers from an older epoch are dropped. */
  private epoch = 0;
  /** Epoch of `map`, `labels` and `thumbs`. */
  private mapEpoch = -1;
  private lensEpoch = -1;
  private readonly full = new Map<string, AttentionMap>();
  private fullBytes = 0;
  private working = false;
  private labelIds: readonly number[] = [];

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly wants: () => InspectorWants,
    /** The selected position is past the new context's end: the panel clears it. */
    private readonly onSelectionGone: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** The map on screen belongs to an older context (a new one is loading). */
  get stale(): boolean {
    return this.map !== null && this.mapEpoch !== this.epoch;
  }

  /** The lens rows, when they belong to the context of the map on screen. */
  get currentLens(): { position: number; rows: LensRow[] } | null {
    return this.lens && this.lensEpoch === this.mapEpoch ? this.lens : null;
  }

  /** A full map of this context already fetched, to show at once. */
  cached(layer: number, head: number): AttentionMap | undefined {
    return this.mapEpoch === this.epoch ? this.full.get(`${layer}:${head}`) : undefined;
  }

  /** The context may have changed: forget this context's maps. */
  newEpoch(): void {
    this.epoch++;
    this.full.clear();
    this.fullBytes = 0;
    this.n = -1;
    this.unavailable = false;
  }

  /** A lens error is cleared when the selection moves (the new position may work). */
  clearLensError(): void {
    this.lensError = '';
  }

  /** Starts the fetch loop unless it runs (it picks up new wants by itself). */
  kick(): void {
    const w = this.wants();
    if (this.working || w.generating || !w.source || !w.nLayer) return;
    this.working = true;
    void this.work().finally(() => {
      this.working = false;
      // A want that arrived as the loop was ending.
      if (!this.wants().generating && this.nextJob()) this.kick();
    });
  }

  private async work(): Promise<void> {
    for (;;) {
      const w = this.wants();
      if (w.generating || !w.source) return;
      const job = this.nextJob();
      if (!job) return;
      await job();
      this.host.requestUpdate();
      // Let the page breathe between GPU round trips.
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    }
  }

  /** The most wanted thing not on screen yet, or null when everything is. */
  private nextJob(): Job | null {
    if (this.unavailable || this.n === 0) return null;
    const w = this.wants();
    const key = (l: number, h: number) => `${l}:${h}`;
    const { layer, head } = w;
    const current = this.mapEpoch === this.epoch && this.map;
    if (!current || this.map!.layer !== layer || this.map!.head !== head) {
      return () => this.fetchMap(layer, head, true);
    }
    const position = w.selected ?? this.n - 1;
    if (
      w.source?.logitLens &&
      !this.lensError &&
      (this.lensEpoch !== this.epoch || this.lens?.position !== position)
    ) {
      return () => this.fetchLens(position);
    }
    for (let h = 0; h < w.nHead; h++) {
      if (!this.thumbs.has(key(layer, h))) return () => this.fetchMap(layer, h, false);
    }
    if (w.overviewOpen) {
      for (let l = 0; l < w.nLayer; l++) {
        for (let h = 0; h < w.nHead; h++) {
          if (!this.thumbs.has(key(l, h))) return () => this.fetchMap(l, h, false);
        }
      }
    }
    return null;
  }

  private async fetchMap(layer: number, head: number, show: boolean): Promise<void> {
    const epoch = this.epoch;
    const key = `${layer}:${head}`;
    const source = this.wants().source!;
    let map = show ? (this.full.get(key) ?? null) : null;
    if (!map) {
      if (show) this.setLoading(true);
      try {
        map = await source.attention(layer, head);
      } catch (e) {
        if (epoch === this.epoch) {
          this.error = `The attention map could not be computed: ${describeError(e)}`;
          this.unavailable = true;
        }
        return;
      } finally {
        if (show) this.setLoading(false);
      }
      if (epoch !== this.epoch) return;
      if (!map) {
        this.unavailable = true;
        // Not a pause for streaming: the context changed and has no map (an edited prompt).
        // The old map would describe text that is no longer on screen.
        if (!this.wants().generating && this.mapEpoch !== epoch) this.forgetMap();
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
      this.setLabels(source, map.ids);
      const selected = this.wants().selected;
      if (selected !== null && selected >= map.n) this.onSelectionGone();
    }
    if (!this.thumbs.has(key)) this.thumbs = new Map(this.thumbs).set(key, makeThumb(map));
    if (show || (this.map?.layer === layer && this.map.head === head)) this.map = map;
  }

  private forgetMap(): void {
    this.map = null;
    this.thumbs = new Map();
    this.lens = null;
    this.labels = [];
    this.labelIds = [];
    if (this.wants().selected !== null) this.onSelectionGone();
    this.host.requestUpdate();
  }

  private setLoading(on: boolean): void {
    this.loading = on;
    this.host.requestUpdate();
  }

  private remember(key: string, map: AttentionMap): void {
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

  private setLabels(source: InspectorSource, ids: readonly number[]): void {
    if (sameIds(ids, this.labelIds)) return;
    this.labelIds = [...ids];
    this.labels = ids.map((id) => visibleToken(source.decode([id])));
  }

  private async fetchLens(position: number): Promise<void> {
    const epoch = this.epoch;
    const source = this.wants().source!;
    this.lensLoading = true;
    this.host.requestUpdate();
    try {
      const rows: readonly LogitLensRow[] | null = await source.logitLens!(position, LENS_TOP_N);
      if (epoch !== this.epoch) return;
      if (!rows) {
        this.unavailable = true;
        return;
      }
      this.lens = {
        position,
        rows: rows.map((r) => ({
          layer: r.layer,
          candidates: r.candidates.map((c) => ({
            ...c,
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
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
