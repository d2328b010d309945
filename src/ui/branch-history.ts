import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  branchById,
  branchRows,
  sharedPrefix,
  type Branch,
  type BranchTree,
} from './branch-tree.ts';
import type { OutputToken } from './app-state.ts';
import { emit } from './events.ts';
import { describeSampling, visibleToken } from './format.ts';
import { sharedStyles } from './shared-styles.ts';

/** Characters of a branch's own text previewed in the tree. */
const PREVIEW = 48;

/**
 * Every output of the prompt as a tree: runs from the prompt, branches from the token they
 * replaced, each with the token that started it and the settings it was drawn with. A
 * branch is shown again as it was (its tokens are kept: nothing is recomputed), and any two
 * are read side by side, their shared start greyed.
 *
 * @fires branch-select - show a branch in the output
 */
@customElement('branch-history')
export class BranchHistory extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      ol.tree {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0;
        display: grid;
        gap: 0.25rem;
      }
      .node {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0 0.6rem;
        align-items: start;
        padding: 0.35rem 0.5rem;
        border-radius: var(--radius-small);
        border: 1px solid transparent;
        font-size: 0.8125rem;
      }
      .node.current {
        background: var(--accent-soft);
        border-color: color-mix(in srgb, var(--accent) 40%, transparent);
      }
      .node .what {
        min-width: 0;
      }
      .node .fork {
        font-family: var(--font-mono);
      }
      .node .preview {
        display: block;
        color: var(--text-muted);
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .node .settings {
        display: block;
        font-size: 0.75rem;
        color: var(--text-muted);
      }
      .indent {
        border-left: 2px solid var(--border);
      }
      .compare-head {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
        margin: 1rem 0 0.5rem;
        font-size: 0.8125rem;
      }
      .compare-head h3 {
        margin: 0 0.5rem 0 0;
        font-size: 0.875rem;
      }
      .columns {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
        gap: 0.75rem;
      }
      .col {
        padding: 0.6rem 0.75rem;
        border-radius: var(--radius-small);
        background: var(--surface-2);
        font-size: 0.875rem;
        line-height: 1.7;
        overflow-wrap: anywhere;
        min-width: 0;
      }
      .col p {
        margin: 0;
      }
      /* The tokens' own spaces and newlines count; the template's indentation does not. */
      .shared,
      .own {
        white-space: pre-wrap;
      }
      .col h4 {
        margin: 0 0 0.3rem;
        font-size: 0.75rem;
        color: var(--text-muted);
        white-space: normal;
      }
      .shared {
        color: var(--text-muted);
      }
      .own {
        background: color-mix(in srgb, var(--accent) 18%, transparent);
        border-radius: 3px;
      }
      .empty {
        font-size: 0.8125rem;
        color: var(--text-muted);
        margin: 0.3rem 0 0;
      }
    `,
  ];

  @property({ attribute: false }) tree: BranchTree<OutputToken> = { branches: [], current: 0 };
  /** Tokens are streaming into the current branch: switching waits. */
  @property({ type: Boolean }) generating = false;

  /** The two branches read side by side (0: the default pair). */
  @state() private left = 0;
  @state() private right = 0;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('tree')) return;
    const ids = new Set(this.tree.branches.map((b) => b.id));
    if (!ids.has(this.left)) this.left = 0;
    if (!ids.has(this.right)) this.right = 0;
  }

  /**
   * While tokens stream the tree grows every token: the history is redrawn when the run ends
   * (or anything else changes), not per token, so the page keeps up with a fast GPU.
   */
  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    return !(this.generating && changed.size === 1 && changed.has('tree') && this.hasUpdated);
  }

  override render() {
    const rows = branchRows(this.tree);
    const heading = html`<h2>Branch history</h2>`;
    if (!rows.length) {
      return html`${heading}
        <p class="empty" data-testid="branches-empty">
          Every Generate and every alternative you click is kept here as a branch of the text, to go
          back to and to compare.
        </p>`;
    }
    return html`${heading}
      <ol class="tree" aria-label="Branches" data-testid="branch-tree">
        ${rows.map(
          ({ branch: b, depth }) =>
            html`<li
              style="margin-left:${Math.min(depth, 6) * 1.1}rem"
              class=${depth ? 'indent' : ''}
            >
              <div class="node ${b.id === this.tree.current ? 'current' : ''}" data-branch=${b.id}>
                <button
                  class="small ${b.id === this.tree.current ? 'primary' : ''}"
                  ?disabled=${this.generating && b.id !== this.tree.current}
                  aria-current=${b.id === this.tree.current ? 'true' : 'false'}
                  aria-label="Show branch ${b.id}"
                  @click=${() => emit(this, 'branch-select', { id: b.id })}
                >
                  ${b.id}
                </button>
                <span class="what">
                  ${this.describeFork(b)} · ${b.tokens.length}
                  token${b.tokens.length === 1 ? '' : 's'}
                  <span class="settings">${this.settingsOf(b)}</span>
                  <span class="preview">${this.preview(b)}</span>
                </span>
              </div>
            </li>`,
        )}
      </ol>
      ${rows.length > 1 ? this.renderCompare() : nothing}`;
  }

  private describeFork(b: Branch<OutputToken>) {
    if (b.parent === null) return html`Run from the prompt`;
    const parent = branchById(this.tree, b.parent);
    const was = parent?.tokens[b.forkAt];
    const now = b.tokens[b.forkAt];
    return html`From branch ${b.parent} at token ${b.forkAt + 1}:
      <span class="fork"
        >${was ? visibleToken(was.text) : '…'} → ${now ? visibleToken(now.text) : '…'}</span
      >`;
  }

  private settingsOf(b: Branch<OutputToken>): string {
    const first = b.tokens[b.parent === null ? 0 : Math.min(b.forkAt + 1, b.tokens.length - 1)];
    return first ? describeSampling(first.settings) : '';
  }

  private preview(b: Branch<OutputToken>): string {
    const own = b.tokens
      .slice(b.forkAt)
      .map((t) => t.text)
      .join('');
    return own.length > PREVIEW ? `${own.slice(0, PREVIEW)}…` : own;
  }

  /** The pair read side by side: the user's, else the current branch and the one before it. */
  private pair(): [Branch<OutputToken>, Branch<OutputToken>] {
    const all = this.tree.branches;
    const current = branchById(this.tree, this.tree.current) ?? all[all.length - 1];
    const fallback =
      branchById(this.tree, current.parent ?? -1) ?? all.find((b) => b.id !== current.id)!;
    const a = branchById(this.tree, this.left) ?? fallback;
    const b = branchById(this.tree, this.right) ?? current;
    return [a, b];
  }

  private textOf(b: Branch<OutputToken>, from: number, to: number, kind: 'shared' | 'own') {
    const text = b.tokens
      .slice(from, to)
      .map((t) => t.text)
      .join('');
    return kind === 'own'
      ? html`<span class="own" data-testid="branch-own">${text}</span>`
      : html`<span class="shared">${text}</span>`;
  }

  private renderCompare() {
    const [a, b] = this.pair();
    const shared = sharedPrefix(a.tokens, b.tokens, (x, y) => x.id === y.id);
    const select = (value: number, set: (id: number) => void, label: string) =>
      html`<select
        aria-label=${label}
        @change=${(e: Event) => set(Number((e.target as HTMLSelectElement).value))}
      >
        ${this.tree.branches.map(
          (x) => html`<option value=${x.id} ?selected=${x.id === value}>branch ${x.id}</option>`,
        )}
      </select>`;
    return html`<div class="compare-head">
        <h3>Side by side</h3>
        ${select(a.id, (id) => (this.left = id), 'Left branch')} and
        ${select(b.id, (id) => (this.right = id), 'Right branch')}
        <span class="muted">${shared} token${shared === 1 ? '' : 's'} in common</span>
      </div>
      <div class="columns" data-testid="branch-compare">
        ${[a, b].map(
          (x) =>
            html`<div class="col" data-branch=${x.id}>
              <h4>Branch ${x.id} · ${x.tokens.length} tokens</h4>
              <p>
                ${this.textOf(x, 0, shared, 'shared')}${this.textOf(x, shared, x.tokens.length, 'own')}
              </p>
            </div>`,
        )}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'branch-history': BranchHistory;
  }
}
