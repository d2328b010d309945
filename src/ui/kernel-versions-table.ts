import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { VersionResult } from '../bench/run-kernel-versions.ts';
import { figureTableStyles } from './figure-table.styles.ts';
import { sharedStyles } from './shared-styles.ts';

/** The numbered kernel versions run side by side: one row per (kind, shape, version). */
@customElement('kernel-versions-table')
export class KernelVersionsTable extends LitElement {
  static override styles = [
    sharedStyles,
    figureTableStyles,
    css`
      :host {
        display: block;
        overflow-x: auto;
      }
      th:nth-child(-n + 3),
      td:nth-child(-n + 3) {
        text-align: left;
      }
      .faster {
        color: var(--success);
        font-weight: 600;
      }
    `,
  ];

  @property({ attribute: false }) results: readonly VersionResult[] = [];

  override render() {
    if (!this.results.length) return nothing;
    return html`<table data-testid="bench-versions">
      <thead>
        <tr>
          <th scope="col">kind</th>
          <th scope="col">shape</th>
          <th scope="col">version</th>
          <th scope="col">ms</th>
          <th scope="col">GB/s</th>
          <th scope="col">GFLOP/s</th>
          <th scope="col">time / v1</th>
          <th scope="col">max invocations</th>
          <th scope="col">diff from v1</th>
        </tr>
      </thead>
      <tbody>
        ${this.results.map(
          (r) =>
            html`<tr>
              <td>${r.kind}</td>
              <td>${r.case}</td>
              <td title=${r.about}>v${r.version}</td>
              <td>${r.ms.toFixed(3)}</td>
              <td>${r.gbs.toFixed(2)}</td>
              <td>${r.gflops.toFixed(2)}</td>
              <td class=${r.ratioToV1 < 1 ? 'faster' : ''}>${r.ratioToV1.toFixed(2)}×</td>
              <td>${r.maxInvocations}</td>
              <td>${r.diffFromV1.toExponential(1)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kernel-versions-table': KernelVersionsTable;
  }
}
