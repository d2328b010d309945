import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { KernelRoofline } from '../bench/roofline.ts';
import { rate } from '../bench/format-roofline.ts';
import type { BenchResult, StepReport } from '../bench/run-bench.ts';
import { formatBytes } from './format.ts';
import './roofline-plot.ts';
import { figureTableStyles } from './figure-table.styles.ts';
import { sharedStyles } from './shared-styles.ts';

/**
 * A benchmark result against this device's roofline: the measured peaks, each step's time
 * against the time its bytes take at peak, a table and a roofline plot of every kind of
 * kernel, paper estimates for other GPUs, and every dispatch of a decode step and the prefill.
 */
@customElement('roofline-report')
export class RooflineReport extends LitElement {
  static override styles = [
    sharedStyles,
    figureTableStyles,
    css`
      :host {
        display: block;
      }
      h3 {
        margin: 1.1rem 0 0.5rem;
        font-size: 0.9375rem;
      }
      p {
        margin: 0 0 0.6rem;
        font-size: 0.8125rem;
        line-height: 1.5;
        color: var(--text-muted);
      }
    `,
  ];

  @property({ attribute: false }) result: BenchResult | null = null;

  override render() {
    const r = this.result;
    if (!r) return nothing;
    const p = r.peak;
    return html`
      <h3>This device's roofline</h3>
      <p data-testid="bench-peak">
        Streaming read ${p.readGBs.toFixed(1)} GB/s, copy ${p.copyGBs.toFixed(1)} GB/s (over
        ${formatBytes(p.bufferBytes)}), FMA ${p.gflops.toFixed(1)} GFLOP/s, measured here by the
        peak kernels; kernels timed by ${r.timing}.
      </p>
      ${this.stepLine('Decode step', r.decode)}
      ${this.stepLine(`Prefill T=${r.prefill.tokens}`, r.prefill)}
      <roofline-plot
        .peak=${p}
        .series=${[
          { name: 'decode step', kernels: r.decode.kernels },
          { name: `prefill T=${r.prefill.tokens}`, kernels: r.prefill.kernels },
        ]}
      ></roofline-plot>
      <h3>Per kind of kernel</h3>
      ${this.kernelTable('decode', r.decode.kernels)}
      ${this.kernelTable(`prefill T=${r.prefill.tokens}`, r.prefill.kernels)}
      <h3>Paper estimates (not measured)</h3>
      <p>
        From the recorded structure and published figures: a dispatch draws bandwidth in proportion
        to the bytes it keeps in flight, and costs ~10 µs; see the README.
      </p>
      <div class="scroll">
        <table data-testid="bench-estimates">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">GPU</th>
              <th scope="col">est. ms</th>
              <th scope="col">roofline ms</th>
              <th scope="col">% of roofline</th>
            </tr>
          </thead>
          <tbody>
            ${[
              ['decode', r.decode] as const,
              [`prefill T=${r.prefill.tokens}`, r.prefill] as const,
            ].flatMap(([name, s]) =>
              s.estimates.map(
                (e) =>
                  html`<tr>
                    <td>${name}</td>
                    <td>${e.gpu}</td>
                    <td>${e.ms.toPrecision(3)}</td>
                    <td>${e.rooflineMs.toPrecision(3)}</td>
                    <td>${e.percent.toFixed(0)}%</td>
                  </tr>`,
              ),
            )}
          </tbody>
        </table>
      </div>
      ${this.dispatches('decode step', r.decode)}
      ${this.dispatches(`prefill T=${r.prefill.tokens}`, r.prefill)}
    `;
  }

  private stepLine(name: string, s: StepReport) {
    const rf = s.roofline;
    return html`<p data-testid="bench-step-roofline">
      <strong>${name}</strong>: ${rf.ms.toFixed(2)} ms measured; its ${formatBytes(rf.bytes)} and
      ${(rf.flops / 1e6).toFixed(1)} MFLOP take ${rf.rooflineMs.toPrecision(3)} ms at the roofline:
      <strong>${rf.percent.toPrecision(3)}%</strong> of roofline. ${s.structure.dispatches}
      dispatches, ${s.structure.weightReaders.dispatches} of them read weights, the narrowest with
      ${s.structure.weightReaders.minInvocations} invocations.
    </p>`;
  }

  private kernelTable(name: string, kernels: readonly KernelRoofline[]) {
    return html`<div class="scroll">
      <table data-testid="bench-kernels">
        <thead>
          <tr>
            <th scope="col">${name}</th>
            <th scope="col">dispatches</th>
            <th scope="col">invocations</th>
            <th scope="col">bytes</th>
            <th scope="col">MFLOP</th>
            <th scope="col">ms</th>
            <th scope="col">GB/s</th>
            <th scope="col">GFLOP/s</th>
            <th scope="col">roofline ms</th>
            <th scope="col">% of roofline</th>
          </tr>
        </thead>
        <tbody>
          ${kernels.map(
            (k) =>
              html`<tr data-op=${k.op}>
                <td>${k.op}</td>
                <td>${k.dispatches}</td>
                <td>
                  ${
                    k.minInvocations === k.maxInvocations
                      ? k.minInvocations
                      : `${k.minInvocations}–${k.maxInvocations}`
                  }
                </td>
                <td>${formatBytes(k.bytesRead + k.bytesWritten)}</td>
                <td>${(k.flops / 1e6).toFixed(2)}</td>
                <td>${k.ms.toFixed(3)}</td>
                <td>${rate(k.achievedGBs, 2)}</td>
                <td>${rate(k.achievedGflops, 2)}</td>
                <td>${k.rooflineMs.toPrecision(3)}</td>
                <td>${k.percent === null ? '—' : `${k.percent.toPrecision(3)}%`}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private dispatches(name: string, s: StepReport) {
    return html`<details>
      <summary>Every dispatch of the ${name} (${s.structure.dispatches})</summary>
      <div class="scroll">
        <table data-testid="bench-dispatches">
          <thead>
            <tr>
              <th scope="col">call</th>
              <th scope="col">kernel</th>
              <th scope="col">workgroups</th>
              <th scope="col">per workgroup</th>
              <th scope="col">invocations</th>
              <th scope="col">bytes read</th>
            </tr>
          </thead>
          <tbody>
            ${s.structure.rows.map(
              (d) =>
                html`<tr>
                  <td>${d.label}</td>
                  <td>${d.kernel}</td>
                  <td>${d.workgroups.join(' × ')}</td>
                  <td>${d.invocationsPerWorkgroup}</td>
                  <td>${d.invocations}</td>
                  <td>${formatBytes(d.bytesRead)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'roofline-report': RooflineReport;
  }
}
