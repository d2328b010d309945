import { css } from 'lit';

/** The attention heatmap's own styles (the bar, readout, zoom buttons, canvas, legend). */
export const heatmapStyles = css`
  :host {
    display: block;
    min-width: 0;
  }
  .bar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem 1rem;
    margin-bottom: 0.5rem;
  }
  .readout {
    flex: 1 1 16rem;
    min-width: 0;
    min-height: 1.5rem;
    font-size: 0.8125rem;
    font-variant-numeric: tabular-nums;
    overflow-wrap: anywhere;
  }
  .readout .tok {
    font-family: var(--font-mono);
    white-space: pre-wrap;
    background: var(--surface-2);
    border-radius: 4px;
    padding: 0 0.25rem;
  }
  .readout .p {
    font-weight: 650;
  }
  .zoom {
    display: inline-flex;
    align-items: center;
    gap: 0.25rem;
    font-size: 0.75rem;
  }
  .zoom .level {
    min-width: 4.5rem;
    text-align: center;
    color: var(--text-muted);
    font-variant-numeric: tabular-nums;
  }
  .stage {
    position: relative;
    width: 100%;
  }
  canvas {
    display: block;
    touch-action: none;
    border-radius: var(--radius-small);
    cursor: crosshair;
  }
  canvas.panning {
    cursor: grabbing;
  }
  .legend {
    display: grid;
    grid-template-columns: auto minmax(8rem, 22rem);
    align-items: center;
    gap: 0.75rem;
    margin-top: 0.6rem;
    font-size: 0.75rem;
    color: var(--text-muted);
  }
  .scale {
    position: relative;
    padding-bottom: 1.1rem;
  }
  .gradient {
    height: 0.65rem;
    border-radius: 999px;
    border: 1px solid var(--border);
  }
  .tick {
    position: absolute;
    top: 0.85rem;
    transform: translateX(-50%);
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .tick:first-of-type {
    transform: none;
  }
  .tick:last-of-type {
    transform: translateX(-100%);
  }
  .note {
    font-size: 0.75rem;
    color: var(--text-muted);
  }
`;
