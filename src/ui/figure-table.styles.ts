import { css } from 'lit';

/**
 * Tables of measured figures (the benchmark's results, its roofline and kernel versions):
 * numbers right-aligned in tabular figures, the first column a left-aligned label, and
 * folded details. One look wherever figures are tabulated.
 */
export const figureTableStyles = css`
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.8125rem;
    font-variant-numeric: tabular-nums;
  }
  th,
  td {
    text-align: right;
    padding: 0.3rem 0.45rem;
    border-bottom: 1px solid var(--border);
    white-space: nowrap;
  }
  th:first-child,
  td:first-child {
    text-align: left;
  }
  th {
    color: var(--text-muted);
    font-weight: 600;
  }
  .scroll {
    overflow-x: auto;
  }
  details {
    margin-top: 0.8rem;
    font-size: 0.8125rem;
  }
  summary {
    cursor: pointer;
    color: var(--accent);
  }
`;
