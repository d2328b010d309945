import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LoadingState } from './app-state.ts';
import { emit } from './events.ts';
import { formatBytes, formatPercent } from './format.ts';
import { sharedStyles } from './shared-styles.ts';

/**
 * The progress of a model load: file, bytes done of the total, percent, speed, and
 * whether the bytes come from the browser's cache. Cancellable.
 *
 * @fires model-cancel - when the user cancels the load
 */
@customElement('load-progress')
export class LoadProgressView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .box {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.5rem 1rem;
        align-items: center;
        padding: 0.85rem 1rem;
      }
      .title {
        font-weight: 600;
        font-size: 0.9375rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .badge {
        font-size: 0.75rem;
        font-weight: 600;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: var(--accent-soft);
        color: var(--text);
      }
      .bar {
        grid-column: 1 / -1;
        height: 0.5rem;
        border-radius: 999px;
        background: var(--surface-2);
        overflow: hidden;
      }
      .fill {
        height: 100%;
        background: var(--accent);
        border-radius: inherit;
        transition: width 0.15s linear;
      }
      .fill.indeterminate {
        width: 30%;
        animation: slide 1.2s ease-in-out infinite;
      }
      @keyframes slide {
        from {
          transform: translateX(-100%);
        }
        to {
          transform: translateX(340%);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .fill.indeterminate {
          animation: none;
          width: 100%;
          opacity: 0.4;
        }
      }
      .figures {
        grid-column: 1 / -1;
        font-size: 0.8125rem;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  @property({ attribute: false }) loading: LoadingState | null = null;

  override render() {
    const l = this.loading;
    if (!l) return nothing;
    const known = l.total > 0;
    const fraction = known ? Math.min(1, l.loaded / l.total) : 0;
    const figures = known
      ? [
          `${formatBytes(l.loaded)} of ${formatBytes(l.total)}`,
          formatPercent(fraction),
          l.bytesPerSecond !== null ? `${formatBytes(Math.round(l.bytesPerSecond))}/s` : null,
        ]
          .filter(Boolean)
          .join(' · ')
      : 'Connecting…';
    const status = l.compiling ? 'Compiling the GPU kernels…' : figures;
    return html`<div class="box card" role="group" aria-label="Loading ${l.label}">
      <div class="title">
        <span>Loading ${l.label}</span>
        <span class="badge">${l.storage}</span>
        ${l.fromCache ? html`<span class="badge" data-testid="from-cache">from cache</span>` : nothing}
      </div>
      <button class="small" @click=${() => emit(this, 'model-cancel', {})}>Cancel</button>
      <div
        class="bar"
        role="progressbar"
        aria-label="Model download"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${known ? Math.round(fraction * 100) : nothing}
        aria-valuetext=${figures}
      >
        <div
          class="fill ${known ? '' : 'indeterminate'}"
          style=${known ? `width: ${(fraction * 100).toFixed(2)}%` : ''}
        ></div>
      </div>
      <div class="figures muted" data-testid="load-figures">
        ${l.file ? html`<span class="mono">${l.file}</span> · ` : nothing}${status}
        ${l.fromCache ? ' · read from this browser’s cache' : ''}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'load-progress': LoadProgressView;
  }
}
