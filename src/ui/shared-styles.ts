import { css } from 'lit';

/**
 * Controls and panels shared by every component: buttons, fields, cards, the focus ring.
 * Colours come from the design tokens in index.html (custom properties cross shadow roots).
 */
export const sharedStyles = css`
  :host {
    box-sizing: border-box;
    color: var(--text);
    font-family: var(--font-sans);
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 2px solid var(--focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    font-size: 0.875rem;
    font-weight: 550;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4em;
    min-height: 2.25rem;
    padding: 0 0.9rem;
    border-radius: var(--radius-small);
    border: 1px solid var(--border);
    background: var(--surface);
    color: var(--text);
    cursor: pointer;
    white-space: nowrap;
    transition:
      background 0.12s,
      border-color 0.12s;
  }
  button:hover:not(:disabled) {
    background: var(--surface-2);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.5;
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--accent-text);
  }
  button.primary:hover:not(:disabled) {
    background: var(--accent-hover);
    border-color: var(--accent-hover);
  }
  button.danger {
    color: var(--danger);
  }
  button.ghost {
    border-color: transparent;
    background: transparent;
  }
  button.small {
    min-height: 1.75rem;
    padding: 0 0.6rem;
    font-size: 0.8125rem;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--text);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius-small);
  }
  input[type='text'],
  input[type='url'],
  input[type='number'],
  select {
    min-height: 2.25rem;
    padding: 0 0.6rem;
    font-size: 0.875rem;
  }
  input[aria-invalid='true'] {
    border-color: var(--danger);
  }
  input[type='range'] {
    accent-color: var(--accent);
    border: none;
    background: transparent;
    padding: 0;
  }
  kbd {
    font-family: var(--font-mono);
    font-size: 0.75em;
    padding: 0.05em 0.35em;
    border: 1px solid var(--border);
    border-bottom-width: 2px;
    border-radius: 4px;
    background: var(--surface-2);
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius);
    box-shadow: var(--shadow);
  }
  .muted {
    color: var(--text-muted);
  }
  .mono {
    font-family: var(--font-mono);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
  }
  /* A row of radio buttons drawn as one switch (precision, which step is shown). */
  .segmented {
    margin: 0;
    padding: 0;
    min-inline-size: 0;
    display: inline-flex;
    border: 1px solid var(--border);
    border-radius: var(--radius-small);
    overflow: hidden;
    background: var(--surface);
  }
  .segmented label {
    position: relative;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    padding: 0 0.7rem;
    font-weight: 600;
    color: var(--text-muted);
    cursor: pointer;
    white-space: nowrap;
  }
  .segmented label + label {
    border-left: 1px solid var(--border);
  }
  .segmented input {
    position: absolute;
    inset: 0;
    opacity: 0;
    margin: 0;
    cursor: pointer;
  }
  .segmented label:has(input:checked) {
    background: var(--accent-soft);
    color: var(--text);
  }
  .segmented label:has(input:focus-visible) {
    outline: 2px solid var(--focus);
    outline-offset: -2px;
  }
  /* A figure tile: <div class="fig"><dt>name</dt><dd>value <span class="sub">unit</span></dd></div>. */
  .fig {
    padding: 0.6rem 0.7rem;
    border-radius: var(--radius-small);
    background: var(--surface-2);
    min-width: 0;
  }
  .fig > dt {
    font-size: 0.6875rem;
    font-weight: 600;
    letter-spacing: 0.03em;
    color: var(--text-muted);
    text-transform: uppercase;
  }
  .fig > dd {
    margin: 0.15rem 0 0;
    font-size: 1.125rem;
    font-weight: 650;
    font-variant-numeric: tabular-nums;
    overflow-wrap: anywhere;
  }
  .fig .sub {
    font-size: 0.75rem;
    font-weight: 500;
    color: var(--text-muted);
  }
  h2 {
    font-size: 0.75rem;
    font-weight: 650;
    letter-spacing: 0.06em;
    text-transform: uppercase;
    color: var(--text-muted);
    margin: 0 0 0.75rem;
  }
`;
