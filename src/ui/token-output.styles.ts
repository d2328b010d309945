import { css } from 'lit';

/** The styles of <token-output>: the chips, their probability colours, the stop line. */
export const tokenOutputStyles = css`
  :host {
    display: block;
  }
  .head {
    display: flex;
    align-items: baseline;
    justify-content: space-between;
    gap: 1rem;
  }
  .flow {
    position: relative;
    min-height: 8rem;
    padding: 0.9rem 1rem;
    border-radius: var(--radius-small);
    background: var(--surface-2);
    font-size: 1rem;
    line-height: 2;
    overflow-wrap: anywhere;
  }
  .prompt {
    white-space: pre-wrap;
    color: var(--text-muted);
  }
  .chip {
    font: inherit;
    font-size: 0.9375rem;
    display: inline;
    white-space: pre-wrap;
    padding: 0.15rem 0.1rem;
    margin: 0 1px;
    min-height: 0;
    border-radius: 4px;
    border: none;
    border-bottom: 2px solid transparent;
    color: var(--text);
    cursor: pointer;
    line-height: 1.6;
    font-weight: 450;
    box-decoration-break: clone;
    -webkit-box-decoration-break: clone;
  }
  .chip.b0 {
    background: var(--p-0);
    border-bottom-color: var(--p-edge-0);
  }
  .chip.b1 {
    background: var(--p-1);
    border-bottom-color: var(--p-edge-1);
  }
  .chip.b2 {
    background: var(--p-2);
    border-bottom-color: var(--p-edge-2);
  }
  .chip.b3 {
    background: var(--p-3);
    border-bottom-color: var(--p-edge-3);
  }
  .chip.b4 {
    background: var(--p-4);
    border-bottom-color: var(--p-edge-4);
  }
  .chip.branched {
    outline: 2px dashed var(--accent);
    outline-offset: 1px;
  }
  .chip.intervened {
    box-shadow: inset 0 2px 0 var(--p-edge-4);
  }
  .chip.active {
    outline: 2px solid var(--focus);
    outline-offset: 1px;
  }
  .chip.mark {
    font-family: var(--font-mono);
    font-size: 0.8125rem;
  }
  .chip:hover {
    filter: brightness(0.96);
  }
  .caret {
    display: inline-block;
    width: 0.55rem;
    height: 1.1rem;
    vertical-align: -0.2rem;
    margin-left: 2px;
    background: var(--accent);
    border-radius: 2px;
    animation: blink 1s steps(2, start) infinite;
  }
  @keyframes blink {
    to {
      visibility: hidden;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .caret {
      animation: none;
    }
  }
  .empty {
    color: var(--text-muted);
    font-size: 0.9375rem;
  }
  .status {
    margin: 0.5rem 0 0;
    font-size: 0.8125rem;
    min-height: 1.2em;
  }
  token-popover {
    position: absolute;
    z-index: 10;
    max-width: 100%;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.35rem 0.9rem;
    margin-top: 0.75rem;
    font-size: 0.75rem;
    color: var(--text-muted);
    padding: 0;
    list-style: none;
  }
  .legend li {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
  }
  .sw {
    width: 1.1rem;
    height: 0.8rem;
    border-radius: 3px;
    border-bottom: 2px solid;
  }
  .sw.branched {
    background: transparent;
    border: 2px dashed var(--accent);
  }
  .sw.intervened {
    background: transparent;
    border: none;
    border-top: 2px solid var(--p-edge-4);
  }
  .sw.b0 {
    background: var(--p-0);
    border-color: var(--p-edge-0);
  }
  .sw.b1 {
    background: var(--p-1);
    border-color: var(--p-edge-1);
  }
  .sw.b2 {
    background: var(--p-2);
    border-color: var(--p-edge-2);
  }
  .sw.b3 {
    background: var(--p-3);
    border-color: var(--p-edge-3);
  }
  .sw.b4 {
    background: var(--p-4);
    border-color: var(--p-edge-4);
  }
`;
