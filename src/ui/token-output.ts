import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { guard } from 'lit/directives/guard.js';
import type { StopReason } from '../generation/generate.ts';
import type { OutputToken } from './app-state.ts';
import {
  describeSampling,
  formatPercent,
  inlineToken,
  PROBABILITY_BINS,
  probabilityBin,
} from './format.ts';
import { emit } from './events.ts';
import { sharedStyles } from './shared-styles.ts';
import { spokenToken } from './spoken-token.ts';
import { tokenOutputStyles } from './token-output.styles.ts';
import './token-popover.ts';
import { describeAblation } from './interventions/ablation.ts';
import type { TokenPopover } from './token-popover.ts';

const STOP_TEXT: Record<StopReason, string> = {
  end_of_text: 'The model ended the text (<|endoftext|>).',
  max_tokens: 'Reached the max new tokens.',
  context_full: 'The context window is full.',
  cancelled: 'Stopped.',
  step: 'One token generated: Step again for the next.',
};

/** Hover grace period: time to move the pointer from a chip to its popover. */
const CLOSE_DELAY_MS = 200;
/** Chips per separately rendered chunk (see renderChips). */
const CHIP_CHUNK = 16;

/**
 * The generated text as chips, one per token, coloured by the probability the token had
 * under the settings it was drawn with (legend below). Hovering or focusing a chip opens
 * a popover with the alternatives at that step; clicking a chip pins it. Arrow keys move
 * between chips, Enter or ArrowDown enters the popover, Escape closes it. Clicking a chip
 * (or Enter on it) also selects its token for the inspector views.
 *
 * @fires token-branch - (from the popover) with the step index and the alternative's id
 * @fires token-select - a chip was clicked: its token's position in the context
 */
@customElement('token-output')
export class TokenOutput extends LitElement {
  static override styles = [sharedStyles, tokenOutputStyles];

  @property({ attribute: false }) tokens: readonly OutputToken[] = [];
  /** The prompt, shown before the output so the text reads as a whole. */
  @property() prompt = '';
  @property({ type: Boolean }) generating = false;
  @property({ attribute: false }) stopReason: StopReason | null = null;
  /** Position in the context of the first output token (the prompt's length in tokens). */
  @property({ type: Number }) firstPosition = 0;
  /**
   * Output tokens the model has read (they are in the KV cache, so the attention maps cover
   * them); the last generated token is not read until the next one is generated.
   */
  @property({ type: Number }) inspectable = Number.POSITIVE_INFINITY;

  /** The chip whose popover is open. */
  @state() private active: number | null = null;
  /** Opened by a click: stays open until Escape, another click or a click elsewhere. */
  @state() private pinned = false;
  /** The chip in the tab order (roving tabindex). */
  @state() private focusIndex = 0;

  @query('.flow') private flow!: HTMLElement;
  @query('token-popover') private popoverEl?: TokenPopover;

  private closeTimer = 0;
  /** Keeps the popover under its chip when the text reflows (window resized, side panel moved). */
  private readonly resizeObserver = new ResizeObserver(() => this.placePopover());

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('tokens')) {
      if (this.active !== null && this.active >= this.tokens.length) this.close();
      if (this.focusIndex >= this.tokens.length)
        this.focusIndex = Math.max(0, this.tokens.length - 1);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.closeTimer);
    this.resizeObserver.disconnect();
    window.removeEventListener('pointerdown', this.onPointerDown);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('pointerdown', this.onPointerDown);
    if (this.hasUpdated) this.resizeObserver.observe(this.flow);
  }

  protected override firstUpdated(): void {
    this.resizeObserver.observe(this.flow);
  }

  override render() {
    const n = this.tokens.length;
    return html`
      <div class="head">
        <h2 id="output-title">Output</h2>
        <span class="muted" style="font-size:0.8125rem" data-testid="output-count"
          >${n ? `${n} token${n === 1 ? '' : 's'}` : ''}</span
        >
      </div>
      <div
        class="flow"
        data-testid="output"
        @keydown=${this.onKeyDown}
        @focusout=${this.onFocusOut}
        @mouseover=${this.onChipEvent}
        @mouseout=${this.onChipEvent}
        @focusin=${this.onChipEvent}
        @click=${this.onChipEvent}
      >
        ${
          n === 0 && !this.generating
            ? html`<span class="empty"
                >Generated tokens appear here, coloured by how likely each was. Hover or focus one
                to see what else the model considered, and click an alternative to branch.</span
              >`
            : html`<span class="prompt">${this.promptTail()}</span
                ><span role="group" aria-labelledby="output-title">${this.renderChips()}</span
                >${this.generating ? html`<span class="caret" aria-hidden="true"></span>` : nothing}`
        }
        ${
          this.active !== null && this.tokens[this.active]
            ? html`<token-popover
                id="popover"
                role="dialog"
                aria-label="Alternatives for token ${this.active + 1}"
                .token=${this.tokens[this.active]}
                .index=${this.active}
                ?unread=${this.active >= this.inspectable && !this.generating}
                @mouseenter=${this.cancelClose}
                @mouseleave=${this.scheduleClose}
                @token-branch=${this.close}
              ></token-popover>`
            : nothing
        }
      </div>
      <p class="status muted" role="status" data-testid="run-status">${this.statusText()}</p>
      <ul class="legend" aria-label="Colour legend: probability of each token">
        <li>Probability:</li>
        ${PROBABILITY_BINS.map(
          (b, i) => html`<li><span class="sw b${i}" aria-hidden="true"></span>${b.label}</li>`,
        )}
        <li><span class="sw branched" aria-hidden="true"></span>your branch</li>
        ${
          this.tokens.some((t) => t.intervention)
            ? html`<li>
                <span class="sw intervened" aria-hidden="true"></span>under an intervention
              </li>`
            : nothing
        }
      </ul>
    `;
  }

  /**
   * The chips in chunks, each re-rendered only when its tokens or its active or focused chip
   * change: when tokens come faster than frames, a frame renders the last chunk, not all
   * 1,024 chips of a long run.
   */
  private renderChips() {
    const chunks = [];
    for (let from = 0; from < this.tokens.length; from += CHIP_CHUNK) {
      const part = this.tokens.slice(from, from + CHIP_CHUNK);
      const within = (i: number | null) =>
        i !== null && i >= from && i < from + CHIP_CHUNK ? i : -1;
      chunks.push(
        guard([...part, within(this.active), within(this.focusIndex)], () =>
          part.map((t, k) => this.renderChip(t, from + k)),
        ),
      );
    }
    return chunks;
  }

  private renderChip(t: OutputToken, i: number) {
    const partial = t.text === '';
    const { label, breaks } = inlineToken(partial ? '…' : t.text);
    const visible = partial || /[\n\t]/.test(t.text) || t.text.trim() === '' ? 'mark' : '';
    return html`<button
        class="chip b${probabilityBin(t.prob)} ${t.branched ? 'branched' : ''} ${
          t.intervention ? 'intervened' : ''
        } ${visible} ${this.active === i ? 'active' : ''}"
        data-index=${i}
        tabindex=${i === this.focusIndex ? 0 : -1}
        aria-haspopup="dialog"
        aria-expanded=${this.active === i ? 'true' : 'false'}
        aria-label="${partial ? 'part of a character' : spokenToken(t.text)}, ${formatPercent(
          t.prob,
        )}, ${describeSampling(t.settings)}${modelShare(t)}${t.branched ? ', your branch' : ''}${
          t.intervention ? `, under ${describeAblation(t.intervention)}` : ''
        }"
        .textContent=${label}
      ></button
      >${breaks ? Array.from({ length: breaks }, () => html`<br />`) : nothing}`;
  }

  private promptTail(): string {
    const max = 600;
    return this.prompt.length > max ? `…${this.prompt.slice(-max)}` : this.prompt;
  }

  private statusText(): string {
    if (this.generating) return 'Generating…';
    if (this.stopReason) return STOP_TEXT[this.stopReason];
    return '';
  }

  protected override updated(): void {
    this.placePopover();
  }

  /** Puts the popover under its chip, kept within the output box horizontally. */
  private placePopover(): void {
    const pop = this.popoverEl;
    if (!pop || this.active === null) return;
    const chip = this.chip(this.active);
    if (!chip) return;
    const box = this.flow.getBoundingClientRect();
    const r = chip.getClientRects()[0] ?? chip.getBoundingClientRect();
    const width = pop.offsetWidth;
    const left = Math.max(0, Math.min(r.left - box.left, box.width - width));
    pop.style.left = `${left}px`;
    pop.style.top = `${r.bottom - box.top + 6}px`;
  }

  private chip(i: number): HTMLButtonElement | null {
    return this.renderRoot.querySelector<HTMLButtonElement>(`.chip[data-index="${i}"]`);
  }

  private open(i: number, pin: boolean): void {
    this.cancelClose();
    if (this.pinned && !pin && this.active !== i) return;
    this.active = i;
    this.focusIndex = i;
    this.pinned = pin || (this.pinned && this.active === i);
  }

  /**
   * The chips' pointer, focus and click events, handled once for the whole output: four
   * listeners per chip on 1,024 chips were thousands of closures for the page to build and
   * the garbage collector to trace while tokens stream.
   */
  private onChipEvent(e: Event): void {
    const chip = (e.target as Element | null)?.closest?.('.chip');
    if (!(chip instanceof HTMLElement) || !chip.dataset.index) return;
    const i = Number(chip.dataset.index);
    if (e.type === 'mouseout') {
      // Moving within the chip (its text) is not leaving it.
      if (!chip.contains((e as MouseEvent).relatedTarget as Node | null)) this.scheduleClose();
    } else if (e.type === 'click') {
      this.onChipClick(i, e as MouseEvent);
    } else if (
      e.type === 'focusin' ||
      !chip.contains((e as MouseEvent).relatedTarget as Node | null)
    ) {
      this.open(i, false);
    }
  }

  private onChipClick(i: number, e: MouseEvent): void {
    if (this.pinned && this.active === i) {
      this.close();
      return;
    }
    this.open(i, true);
    emit(this, 'token-select', { position: this.firstPosition + i });
    // From the keyboard (Enter, Space): go on into the alternatives.
    if (e.detail === 0) void this.updateComplete.then(() => this.popoverEl?.focusFirst());
  }

  private close = (): void => {
    this.cancelClose();
    this.active = null;
    this.pinned = false;
  };

  private scheduleClose = (): void => {
    if (this.pinned) return;
    this.cancelClose();
    this.closeTimer = window.setTimeout(() => {
      if (this.pinned) return;
      // Keep it open while keyboard focus is on the chip or inside the popover.
      const focused = this.renderRoot instanceof ShadowRoot ? this.renderRoot.activeElement : null;
      if (focused && (focused === this.popoverEl || focused.classList.contains('chip'))) return;
      this.active = null;
    }, CLOSE_DELAY_MS);
  };

  private cancelClose = (): void => {
    clearTimeout(this.closeTimer);
  };

  /** A click outside the output closes a pinned popover. */
  private onPointerDown = (e: PointerEvent): void => {
    if (this.active !== null && !e.composedPath().includes(this.flow)) this.close();
  };

  private onFocusOut(e: FocusEvent): void {
    const to = e.relatedTarget as Node | null;
    if (to && this.flow.contains(to)) return;
    if (!this.pinned) this.active = null;
  }

  private onKeyDown(e: KeyboardEvent): void {
    const fromChip = (e.target as HTMLElement).classList?.contains('chip');
    if (e.key === 'Escape' && this.active !== null) {
      e.stopPropagation();
      this.chip(this.active)?.focus();
      this.close();
      return;
    }
    if (!fromChip) return;
    const last = this.tokens.length - 1;
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = Math.min(last, this.focusIndex + 1);
    else if (e.key === 'ArrowLeft') next = Math.max(0, this.focusIndex - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = last;
    else if (e.key === 'ArrowDown') {
      e.preventDefault();
      this.open(this.focusIndex, true);
      void this.updateComplete.then(() => this.popoverEl?.focusFirst());
      return;
    }
    if (next !== null) {
      e.preventDefault();
      this.focusIndex = next;
      this.chip(next)?.focus();
    }
  }
}

/** ", model 23%" when the model's own probability differs from the drawn one. */
function modelShare(t: OutputToken): string {
  const model = t.alternatives.find((a) => a.id === t.id)?.modelProb;
  if (model === undefined || !Number.isFinite(model)) return '';
  return formatPercent(model) === formatPercent(t.prob) ? '' : `, model ${formatPercent(model)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'token-output': TokenOutput;
  }
}
