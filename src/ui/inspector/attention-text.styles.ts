import { css } from 'lit';

/** The styles of <attention-text>: the shaded text, its controls and legend. */
export const attentionTextStyles = css`
  :host {
    display: block;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem 1rem;
  }
  .controls {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 0.75rem;
    font-size: 0.8125rem;
  }
  .controls label {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
  }
  .text {
    margin-top: 0.75rem;
    padding: 0.75rem 0.9rem;
    border-radius: var(--radius-small);
    background: var(--surface-2);
    line-height: 2.1;
    font-size: 0.9375rem;
    max-height: 22rem;
    overflow: auto;
  }
  .t {
    font: inherit;
    display: inline;
    white-space: pre-wrap;
    padding: 0.12rem 0.05rem;
    margin: 0;
    min-height: 0;
    border: none;
    border-radius: 3px;
    background: transparent;
    color: inherit;
    cursor: pointer;
    box-decoration-break: clone;
    -webkit-box-decoration-break: clone;
  }
  .t.ahead {
    color: var(--text-muted);
    opacity: 0.55;
  }
  .t.picked {
    outline: 2px solid var(--focus);
    outline-offset: 1px;
  }
  .t.prompt {
    font-style: normal;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.35rem 0.75rem;
    margin-top: 0.6rem;
    font-size: 0.75rem;
    color: var(--text-muted);
  }
  .ramp {
    width: 8rem;
    height: 0.6rem;
    border-radius: 3px;
    border: 1px solid var(--border);
  }
  .status {
    font-size: 0.8125rem;
    color: var(--text-muted);
    margin: 0.6rem 0 0;
  }
  ol.top {
    display: inline;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  ol.top li {
    display: inline;
    margin-right: 0.6rem;
  }
  .mono {
    font-family: var(--font-mono);
  }
`;
