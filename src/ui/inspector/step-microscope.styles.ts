import { css } from 'lit';

/** The styles of <step-microscope>: the what-if sliders, the figures and the table. */
export const stepMicroscopeStyles = css`
  :host {
    display: block;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 0.5rem 1rem;
  }
  .nav {
    display: flex;
    align-items: center;
    gap: 0.35rem;
    font-size: 0.8125rem;
  }
  .tok {
    font-family: var(--font-mono);
    font-weight: 650;
  }
  .drawn {
    font-size: 0.75rem;
    margin: 0.15rem 0 0.75rem;
  }
  .sliders {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
    gap: 0.5rem 1rem;
    padding: 0.6rem 0.75rem;
    border: 1px dashed var(--border);
    border-radius: var(--radius-small);
  }
  .sliders legend {
    font-size: 0.75rem;
    font-weight: 650;
    color: var(--text-muted);
    padding: 0 0.3rem;
  }
  .sliders label {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0 0.5rem;
    font-size: 0.8125rem;
    font-weight: 600;
  }
  .sliders output {
    text-align: right;
    font-variant-numeric: tabular-nums;
    font-weight: 500;
  }
  .sliders input {
    grid-column: 1 / -1;
    width: 100%;
  }
  .sliders .again {
    align-self: end;
    justify-self: start;
  }
  dl.stats {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr));
    gap: 0.5rem;
    margin: 0.75rem 0;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.75rem;
    table-layout: fixed;
  }
  th {
    text-align: left;
    font-weight: 650;
    color: var(--text-muted);
    padding: 0 0.25rem 0.3rem;
  }
  th.num,
  td.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  col.rank {
    width: 2.2rem;
  }
  col.token {
    width: 6.5rem;
  }
  col.bars {
    width: auto;
  }
  col.pct {
    width: 4.1rem;
  }
  td {
    padding: 0.12rem 0.25rem;
    vertical-align: middle;
  }
  td.t {
    font-family: var(--font-mono);
    white-space: pre;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  tr.chosen td {
    background: var(--accent-soft);
    font-weight: 650;
  }
  tr.out td:not(.bars) {
    color: var(--text-muted);
  }
  .bar {
    display: block;
    height: 0.3rem;
    border-radius: 999px;
    min-width: 1px;
    margin: 1px 0;
  }
  .b-model {
    background: var(--bar-muted);
  }
  .b-temp {
    background: color-mix(in srgb, var(--accent) 55%, transparent);
  }
  .b-final {
    background: var(--accent);
  }
  tr.cut td {
    padding: 0.15rem 0.25rem;
    font-size: 0.6875rem;
    font-weight: 650;
    color: var(--danger);
    border-top: 2px dashed var(--danger);
  }
  .keys {
    display: flex;
    flex-wrap: wrap;
    gap: 0.3rem 1rem;
    font-size: 0.75rem;
    color: var(--text-muted);
    margin: 0 0 0.4rem;
  }
  .keys span {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
  }
  .keys .bar {
    width: 1rem;
    height: 0.4rem;
  }
  .note {
    font-size: 0.75rem;
    color: var(--text-muted);
    margin: 0.5rem 0 0;
  }
`;
