import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { DevicePeak } from '../bench/peak.ts';
import type { KernelRoofline } from '../bench/roofline.ts';

export interface RooflineSeries {
  /** "decode", "prefill T=128". */
  name: string;
  kernels: readonly KernelRoofline[];
}

const W = 640;
const H = 380;
const M = { left: 64, right: 16, top: 16, bottom: 46 };
/** Kernels without FLOPs (copies, selection) sit at this intensity, drawn hollow. */
const NO_FLOPS_X = 1e-2;
const COLOURS = ['var(--accent)', 'var(--p-edge-3)', 'var(--p-edge-0)', 'var(--p-edge-4)'];

/**
 * A roofline plot: arithmetic intensity (FLOP per byte moved) against achieved GFLOP/s, both
 * on log scales, one dot per kind of kernel, under this device's two measured ceilings:
 * bandwidth (a slope: GFLOP/s = GB/s x intensity) and FMA throughput (flat). A dot's
 * distance below the roof is how far that kernel is from the limit. Kernels that do no
 * FLOPs (kv_write, topk) cannot sit on a log axis: they are drawn hollow at the left edge,
 * at the GFLOP/s their bytes would give at their intensity, i.e. by their GB/s.
 */
@customElement('roofline-plot')
export class RooflinePlot extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    svg {
      width: 100%;
      height: auto;
      font-family: var(--font-sans);
      font-size: 11px;
    }
    .axis {
      stroke: var(--text-muted);
      stroke-width: 1;
    }
    .grid {
      stroke: var(--border);
      stroke-width: 1;
    }
    .roof {
      stroke: var(--text);
      stroke-width: 2;
      fill: none;
    }
    text {
      fill: var(--text-muted);
    }
    .label {
      fill: var(--text);
    }
    .legend {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 1rem;
      font-size: 0.8125rem;
      color: var(--text-muted);
      margin-top: 0.25rem;
    }
    .swatch {
      display: inline-block;
      width: 0.7rem;
      height: 0.7rem;
      border-radius: 50%;
      margin-right: 0.3rem;
      vertical-align: -0.05rem;
    }
  `;

  @property({ attribute: false }) peak: DevicePeak | null = null;
  @property({ attribute: false }) series: readonly RooflineSeries[] = [];

  override render() {
    const peak = this.peak;
    if (!peak) return nothing;
    const points = this.series.flatMap((s, si) =>
      s.kernels.flatMap((k) => {
        const { achievedGBs: gbs, achievedGflops: gflops, percent } = k;
        // A kernel timed below the timer's resolution has no rate to place.
        if (gbs === null || gflops === null || percent === null) return [];
        if (k.bytesRead + k.bytesWritten === 0) return [];
        const x = k.flops > 0 ? k.intensity : NO_FLOPS_X;
        // A kernel without FLOPs is placed by its bandwidth: what it would reach at x.
        const y = k.flops > 0 ? gflops : gbs * NO_FLOPS_X;
        return [{ s: si, k, x, y, gbs, gflops, percent, hollow: k.flops === 0 }];
      }),
    );
    const ridge = peak.gflops / peak.bandwidthGBs;
    const xs = [NO_FLOPS_X, ridge * 10, ...points.map((p) => p.x)];
    const ys = [peak.gflops * 2, ...points.map((p) => p.y)];
    const x0 = Math.floor(Math.log10(Math.min(...xs)));
    const x1 = Math.ceil(Math.log10(Math.max(...xs)));
    const y0 = Math.floor(
      Math.log10(Math.max(1e-6, Math.min(...ys, peak.bandwidthGBs * NO_FLOPS_X))),
    );
    const y1 = Math.ceil(Math.log10(Math.max(...ys)));
    const px = (x: number) =>
      M.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
    const py = (y: number) =>
      H - M.bottom - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
    const decades = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    const xMin = 10 ** x0;
    const xMax = 10 ** x1;
    // The roof: bandwidth slope up to the ridge, then flat at peak FLOP/s.
    const slopeStart = Math.max(xMin, 10 ** y0 / peak.bandwidthGBs);
    const roof = [
      [slopeStart, peak.bandwidthGBs * slopeStart],
      [ridge, peak.gflops],
      [xMax, peak.gflops],
    ]
      .map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join(' ');
    return html`<svg
        viewBox="0 0 ${W} ${H}"
        role="img"
        aria-label="Roofline: achieved GFLOP/s against arithmetic intensity per kernel"
        data-testid="roofline-plot"
      >
        ${decades(x0, x1).map(
          (d) =>
            svg`<line class="grid" x1=${px(10 ** d)} x2=${px(10 ** d)} y1=${M.top} y2=${H - M.bottom}></line>
              <text x=${px(10 ** d)} y=${H - M.bottom + 14} text-anchor="middle">${sci(d)}</text>`,
        )}
        ${decades(y0, y1).map(
          (d) =>
            svg`<line class="grid" x1=${M.left} x2=${W - M.right} y1=${py(10 ** d)} y2=${py(10 ** d)}></line>
              <text x=${M.left - 6} y=${py(10 ** d) + 4} text-anchor="end">${sci(d)}</text>`,
        )}
        <line
          class="axis"
          x1=${M.left}
          x2=${W - M.right}
          y1=${H - M.bottom}
          y2=${H - M.bottom}
        ></line>
        <line class="axis" x1=${M.left} x2=${M.left} y1=${M.top} y2=${H - M.bottom}></line>
        <text x=${(M.left + W - M.right) / 2} y=${H - 8} text-anchor="middle">
          arithmetic intensity (FLOP per byte moved)
        </text>
        <text
          transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)"
          text-anchor="middle"
        >
          achieved GFLOP/s
        </text>
        <polyline class="roof" points=${roof}></polyline>
        <text class="label" x=${px(ridge) + 6} y=${py(peak.gflops) - 6}>
          ${peak.gflops.toFixed(0)} GFLOP/s (FMA)
        </text>
        <text class="label" x=${px(slopeStart) + 4} y=${py(peak.bandwidthGBs * slopeStart) - 8}>
          ${peak.bandwidthGBs.toFixed(1)} GB/s
        </text>
        ${points.map(
          (p) =>
            svg`<g data-testid="roofline-dot" data-op=${p.k.op}>
              <circle
                cx=${px(p.x)}
                cy=${py(p.y)}
                r="5"
                fill=${p.hollow ? 'none' : COLOURS[p.s % COLOURS.length]}
                stroke=${COLOURS[p.s % COLOURS.length]}
                stroke-width="2"
              ><title>${this.series[p.s].name} ${p.k.op}: ${p.percent.toFixed(1)}% of roofline, ${p.gbs.toFixed(2)} GB/s, ${p.gflops.toFixed(2)} GFLOP/s</title></circle>
              <text class="label" x=${px(p.x) + 7} y=${py(p.y) + 4}>${p.k.op}</text>
            </g>`,
        )}
      </svg>
      <div class="legend">
        ${this.series.map(
          (s, i) =>
            html`<span
              ><span class="swatch" style="background:${COLOURS[i % COLOURS.length]}"></span
              >${s.name}</span
            >`,
        )}
        <span>hollow: no FLOPs, placed by GB/s</span>
      </div>`;
  }
}

function sci(decade: number): string {
  return decade >= 0 && decade <= 4 ? String(10 ** decade) : `1e${decade}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'roofline-plot': RooflinePlot;
  }
}
