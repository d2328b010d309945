/**
 * The line above the heatmap that reads out the cell under the pointer or the keyboard
 * cursor (query token -> key token: weight), and the same as a sentence for screen readers.
 * Token labels are model output: rendered as text.
 */
import { html } from 'lit';
import { formatProb } from './attention-data.ts';
import type { Cell } from './heatmap-view.ts';

type MapData = { n: number; probs: Float32Array } | null;

function label(labels: readonly string[], i: number): string {
  return labels[i] ?? `#${i}`;
}

export function readout(m: MapData, labels: readonly string[], c: Cell | null) {
  if (!m || !m.n) return html`<span class="muted">No attention map yet.</span>`;
  if (!c) {
    return html`<span class="muted"
      >Point at a cell to read its weight; click a row to see where its token looks.</span
    >`;
  }
  const from = label(labels, c.row);
  const to = label(labels, c.col);
  if (c.col > c.row) {
    return html`<span class="tok">${from}</span> <span class="muted">#${c.row}</span> →
      <span class="tok">${to}</span> <span class="muted">#${c.col}</span>:
      <span class="muted">masked (a token cannot see later ones)</span>`;
  }
  const p = m.probs[c.row * m.n + c.col];
  return html`<span class="tok">${from}</span> <span class="muted">#${c.row}</span> →
    <span class="tok">${to}</span> <span class="muted">#${c.col}</span>:
    <span class="p" data-testid="heatmap-value">${formatProb(p)}</span>`;
}

export function readoutText(m: MapData, labels: readonly string[], c: Cell): string {
  if (!m) return '';
  const head = `Token ${c.row} "${label(labels, c.row)}" to token ${c.col} "${label(labels, c.col)}"`;
  if (c.col > c.row) return `${head}: masked`;
  return `${head}: ${formatProb(m.probs[c.row * m.n + c.col])}`;
}
