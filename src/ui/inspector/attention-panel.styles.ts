import { css } from 'lit';

/** The inspector panel's own styles (layout, controls, status lines, the overview). */
export const panelStyles = css`
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
  .controls button.ablated {
    border: 1px dashed var(--p-edge-4);
    background: var(--p-4);
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
`;
