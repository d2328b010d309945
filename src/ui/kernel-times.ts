import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { emit } from './events.ts';
import { formatMs, formatPercent } from './format.ts';
import type { KernelFigures, StepKernels } from './kernel-figures.ts';
import { sharedStyles } from './shared-styles.ts';

/** What each kind of kernel the engine times does (the `kind`s of Gpt2Model's forward). */
export const KERNEL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  embedding: 'token + position embedding: a row of wte and one of wpe for each new token',
  layernorm: 'LayerNorm of the residual stream: two per block, and the final one on the last row',
  matmul:
    'matrix × matrix: the prefill’s linear layers (QKV, attention output, MLP) over all its ' +
    'tokens at once, with GELU and the residual add fused in',
  matvec:
    'matrix × vector: the decode step’s linear layers, reading every weight once, with GELU ' +
    'and the residual add fused in',
  kv_write: 'KV-cache write: the new tokens’ queries, keys and values copied into the cache',
  attention: 'causal attention over the KV cache: one workgroup per head and query row',
  lm_head: 'LM head: the last hidden state × the token embedding (wte), one logit per vocab entry',
  topk: 'top-k: the best 64 logits picked on the GPU, so only they are read back',
  logsumexp: 'softmax normalisers (max and sums of exp) over every logit, for the sampler',
  sample:
    'the GPU’s own pick of the next token from the 64 candidates, so the next step can start ' +
    'before the CPU has read this one (the CPU checks the pick)',
};

type View = 'prefill' | 'decode';

/**
 * GPU time per kind of kernel, from timestamp queries: a switch to time each kernel (the
 * engine reads it before every token), the prefill step or the mean decode step, and the
 * kernels as bars (ms and share of the step's GPU time), slowest first, with the step's GPU
 * total beside its wall-clock time: the gap is CPU work, encoding and waiting on readbacks.
 * Hovering or focusing a kernel tells what it does.
 *
 * @fires kernel-profile-change - the checkbox was switched (enabled: boolean)
 */
@customElement('kernel-times')
export class KernelTimes extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin-top: 1rem;
        padding-top: 0.9rem;
        border-top: 1px solid var(--border);
        font-size: 0.8125rem;
      }
      h3 {
        margin: 0 0 0.6rem;
        font-size: 0.8125rem;
        font-weight: 650;
      }
      .toggle {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        cursor: pointer;
      }
      .toggle input {
        accent-color: var(--accent);
        margin: 0;
      }
      .toggle:has(input:disabled) {
        cursor: not-allowed;
        color: var(--text-muted);
      }
      .note {
        margin: 0.35rem 0 0;
        color: var(--text-muted);
        font-size: 0.75rem;
      }
      .segmented {
        margin-top: 0.75rem;
        display: flex;
      }
      .segmented label {
        flex: 1 1 0;
        min-height: 2rem;
        padding: 0 0.5rem;
      }
      .totals {
        margin: 0.75rem 0 0.5rem;
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.5rem;
      }
      .totals div {
        padding: 0.45rem 0.6rem;
        border-radius: var(--radius-small);
        background: var(--surface-2);
        min-width: 0;
      }
      .totals dt {
        font-size: 0.6875rem;
        font-weight: 600;
        color: var(--text-muted);
      }
      .totals dd {
        margin: 0.1rem 0 0;
        font-size: 0.9375rem;
        font-weight: 650;
        font-variant-numeric: tabular-nums;
      }
      .totals .sub {
        font-size: 0.6875rem;
        font-weight: 500;
        color: var(--text-muted);
      }
      .scope {
        margin: 0 0 0.5rem;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.3rem;
      }
      li {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto 3.4rem;
        align-items: baseline;
        column-gap: 0.5rem;
        padding: 0.2rem 0.3rem;
        border-radius: 4px;
        cursor: default;
      }
      li:hover,
      li:focus-visible {
        background: var(--surface-2);
      }
      .name {
        font-family: var(--font-mono);
        font-size: 0.75rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .ms,
      .pct {
        text-align: right;
        font-variant-numeric: tabular-nums;
        color: var(--text-muted);
      }
      .bar {
        grid-column: 1 / -1;
        height: 0.3rem;
        margin-top: 0.2rem;
        border-radius: 999px;
        background: var(--border);
        overflow: hidden;
      }
      .bar span {
        display: block;
        height: 100%;
        background: var(--accent);
      }
      .describe {
        margin: 0.5rem 0 0;
        min-height: 2.4em;
        color: var(--text-muted);
        font-size: 0.75rem;
      }
      .describe b {
        font-family: var(--font-mono);
        font-weight: 600;
        color: var(--text);
      }
      .empty {
        margin: 0.75rem 0 0;
        color: var(--text-muted);
      }
    `,
  ];

  /** The run's timed steps (null: none). */
  @property({ attribute: false }) kernels: KernelFigures | null = null;
  /** The adapter has timestamp-query. */
  @property({ type: Boolean }) available = false;
  /** Steps are being timed (the checkbox). */
  @property({ type: Boolean }) enabled = false;

  /** The step the user chose to see (null: the decode mean once there is one). */
  @state() private chosen: View | null = null;
  /** The kernel under the pointer or focus, described under the list. */
  @state() private pointed: string | null = null;

  override render() {
    return html`<h3 id="kernel-title">GPU time per kernel</h3>
      <label class="toggle">
        <input
          type="checkbox"
          data-testid="kernel-profile"
          .checked=${this.available && this.enabled}
          ?disabled=${!this.available}
          aria-describedby="kernel-note"
          @change=${(e: Event) =>
            emit(this, 'kernel-profile-change', {
              enabled: (e.target as HTMLInputElement).checked,
            })}
        />
        Time each kernel (GPU timestamps)
      </label>
      <p class="note" id="kernel-note">
        ${
          this.available
            ? 'Applies from the next token. Timing runs each kernel in a pass of its own, which ' +
              'slows a step a little; browsers may round timestamps (Chrome: to 0.1 ms).'
            : 'Unavailable: this GPU adapter has no timestamp-query.'
        }
      </p>
      ${this.available ? this.renderBreakdown() : nothing}`;
  }

  private get view(): View {
    return this.chosen ?? (this.kernels?.decode || !this.kernels?.prefill ? 'decode' : 'prefill');
  }

  private renderBreakdown() {
    const k = this.kernels;
    const view = this.view;
    const step = view === 'prefill' ? (k?.prefill ?? null) : (k?.decode ?? null);
    return html`<fieldset class="segmented" role="radiogroup" aria-label="Step shown">
        ${(
          [
            ['prefill', 'Prefill'],
            ['decode', 'Per decode step'],
          ] as const
        ).map(
          ([v, label]) =>
            html`<label
              ><input
                type="radio"
                name="kernel-view"
                value=${v}
                .checked=${view === v}
                @change=${() => (this.chosen = v)}
              />${label}</label
            >`,
        )}
      </fieldset>
      ${step ? this.renderStep(step, view) : html`<p class="empty">${this.emptyText(view)}</p>`}`;
  }

  private emptyText(view: View): string {
    const k = this.kernels;
    if (!k?.prefill && !k?.decode) {
      return this.enabled
        ? 'Generate to see where the GPU time of each step goes.'
        : 'Switched off: switch it on to time the next tokens.';
    }
    return view === 'prefill'
      ? 'The prefill of this run was not timed (or was a single token).'
      : 'No decode step of this run was timed yet.';
  }

  private renderStep(step: StepKernels, view: View) {
    const k = this.kernels!;
    const scope =
      view === 'prefill'
        ? `the prefill step over ${k.prefillTokens} tokens`
        : `the mean of ${k.decodeSteps} decode step${k.decodeSteps === 1 ? '' : 's'}`;
    const share = step.wallMs > 0 ? step.gpuMs / step.wallMs : NaN;
    const pointed = this.pointed && step.kernels.some((t) => t.kind === this.pointed);
    return html`<dl class="totals">
        <div title="Sum of the kernels' GPU time in ${scope}">
          <dt>GPU total</dt>
          <dd data-testid="kernel-gpu-total">${formatMs(step.gpuMs)}</dd>
        </div>
        <div
          title="Wall-clock time of ${scope}: the forward pass, its readbacks and sampling. What is not GPU time is CPU work, encoding and waiting."
        >
          <dt>Wall clock</dt>
          <dd>
            <span data-testid="kernel-wall">${formatMs(step.wallMs)}</span>
            <span class="sub">${Number.isFinite(share) ? `${formatPercent(share)} GPU` : ''}</span>
          </dd>
        </div>
      </dl>
      <p class="note scope" data-testid="kernel-scope">
        ${view === 'prefill' ? 'Prefill' : 'Per decode step'}: ${scope}, slowest first.
      </p>
      <ol
        data-testid="kernel-times"
        aria-labelledby="kernel-title"
        @mouseleave=${() => (this.pointed = null)}
      >
        ${step.kernels.map((t) => {
          const p = step.gpuMs > 0 ? t.ms / step.gpuMs : 0;
          const about = describeKernel(t.kind);
          return html`<li
            tabindex="0"
            data-kind=${t.kind}
            title=${about}
            aria-label="${t.kind}: ${formatMs(t.ms)}, ${formatPercent(p)} of the GPU time. ${about}"
            @mouseenter=${() => (this.pointed = t.kind)}
            @focus=${() => (this.pointed = t.kind)}
            @blur=${() => (this.pointed = null)}
          >
            <span class="name">${t.kind}</span>
            <span class="ms">${formatMs(t.ms)}</span>
            <span class="pct">${formatPercent(p)}</span>
            <span class="bar" aria-hidden="true"
              ><span style="width:${(p * 100).toFixed(1)}%"></span
            ></span>
          </li>`;
        })}
      </ol>
      <p class="describe" data-testid="kernel-describe">
        ${
          pointed
            ? html`<b>${this.pointed}</b>: ${describeKernel(this.pointed!)}`
            : 'Hover or focus a kernel to see what it does.'
        }
      </p>`;
  }
}

function describeKernel(kind: string): string {
  return KERNEL_DESCRIPTIONS[kind] ?? 'a kernel of the forward pass';
}

declare global {
  interface HTMLElementTagNameMap {
    'kernel-times': KernelTimes;
  }
}
