/**
 * The history of one prompt's outputs as a tree: every Generate starts a branch from the
 * prompt, every click on an alternative starts one from the token it replaces, and Continue
 * or Step grow the branch on screen. A branch keeps all its tokens (with the probabilities
 * and candidates each was drawn with), so showing another branch recomputes nothing.
 * Immutable plain data and pure functions: no DOM, no GPU.
 */

export interface Branch<T> {
  /** 1, 2, ... in order of creation (the name people see: "branch 3"). */
  id: number;
  /** The branch it forked from; null for a run from the prompt. */
  parent: number | null;
  /** Index of the first token that differs from the parent (0 for a run from the prompt). */
  forkAt: number;
  /** The whole output of the branch, from the first generated token. */
  tokens: readonly T[];
}

export interface BranchTree<T> {
  branches: readonly Branch<T>[];
  /** The branch on screen (0 while there is none). */
  current: number;
}

const EMPTY_TREE: BranchTree<never> = { branches: [], current: 0 };

export function emptyTree<T>(): BranchTree<T> {
  return EMPTY_TREE;
}

export function branchById<T>(tree: BranchTree<T>, id: number): Branch<T> | null {
  return tree.branches.find((b) => b.id === id) ?? null;
}

/** The tokens of the branch on screen ([] when there is none). */
export function currentTokens<T>(tree: BranchTree<T>): readonly T[] {
  return branchById(tree, tree.current)?.tokens ?? [];
}

/**
 * A new branch, made current: from the prompt (`from` null), or from branch `from` with its
 * tokens before `forkAt` kept and `tokens` (which start with those) as its output.
 */
export function addBranch<T>(
  tree: BranchTree<T>,
  from: number | null,
  forkAt: number,
  tokens: readonly T[],
): BranchTree<T> {
  if (from !== null && !branchById(tree, from)) {
    throw new RangeError(`addBranch: no branch ${from}`);
  }
  const id = tree.branches.reduce((m, b) => Math.max(m, b.id), 0) + 1;
  return {
    branches: [...tree.branches, { id, parent: from, forkAt: from === null ? 0 : forkAt, tokens }],
    current: id,
  };
}

/**
 * The current branch now holds `tokens` (it grew, or was cut and regrown). With no branch
 * yet, non-empty tokens start one from the prompt; empty tokens leave the tree as it is.
 */
export function setCurrentTokens<T>(tree: BranchTree<T>, tokens: readonly T[]): BranchTree<T> {
  const cur = branchById(tree, tree.current);
  if (!cur) return tokens.length ? addBranch(tree, null, 0, tokens) : tree;
  if (cur.tokens === tokens) return tree;
  return {
    ...tree,
    branches: tree.branches.map((b) => (b.id === cur.id ? { ...b, tokens } : b)),
  };
}

/** Shows branch `id` (unknown ids leave the tree as it is). */
export function selectBranch<T>(tree: BranchTree<T>, id: number): BranchTree<T> {
  return branchById(tree, id) ? { ...tree, current: id } : tree;
}

/** A branch as the tree view draws it: depth-first, children after their parent. */
export interface BranchRow<T> {
  branch: Branch<T>;
  /** 0 for runs from the prompt. */
  depth: number;
}

/** The branches in drawing order: each parent, then its children by fork point, then id. */
export function branchRows<T>(tree: BranchTree<T>): BranchRow<T>[] {
  const rows: BranchRow<T>[] = [];
  const children = (parent: number | null) =>
    tree.branches
      .filter((b) => b.parent === parent)
      .sort((a, b) => a.forkAt - b.forkAt || a.id - b.id);
  const walk = (parent: number | null, depth: number) => {
    for (const b of children(parent)) {
      rows.push({ branch: b, depth });
      walk(b.id, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}

/** How many leading tokens two token lists share (by `same`). */
export function sharedPrefix<T>(
  a: readonly T[],
  b: readonly T[],
  same: (x: T, y: T) => boolean,
): number {
  let i = 0;
  while (i < a.length && i < b.length && same(a[i], b[i])) i++;
  return i;
}
