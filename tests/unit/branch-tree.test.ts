import { describe, expect, it } from 'vitest';
import {
  addBranch,
  branchRows,
  currentTokens,
  emptyTree,
  selectBranch,
  setCurrentTokens,
  sharedPrefix,
} from '../../src/ui/branch-tree.ts';

describe('branch tree', () => {
  it('keeps every run and branch, and shows any of them again as it was', () => {
    let t = emptyTree<string>();
    expect(currentTokens(t)).toEqual([]);
    // A first run grows a branch from the prompt.
    t = setCurrentTokens(t, ['a']);
    t = setCurrentTokens(t, ['a', 'b', 'c']);
    expect(t.branches).toHaveLength(1);
    expect(t.current).toBe(1);
    // A branch at token 1 (b -> x) keeps 'a' and grows on its own.
    const one = currentTokens(t);
    t = addBranch(t, 1, 1, ['a', 'x']);
    t = setCurrentTokens(t, ['a', 'x', 'y']);
    expect(t.current).toBe(2);
    // The first branch is untouched and shown again without change.
    t = selectBranch(t, 1);
    expect(currentTokens(t)).toBe(one);
    // A new Generate is a second run from the prompt.
    t = addBranch(t, null, 5, ['q']);
    expect(t.branches.map((b) => [b.id, b.parent, b.forkAt])).toEqual([
      [1, null, 0],
      [2, 1, 1],
      [3, null, 0],
    ]);
    expect(branchRows(t).map((r) => [r.branch.id, r.depth])).toEqual([
      [1, 0],
      [2, 1],
      [3, 0],
    ]);
    // Unknown ids change nothing; an unknown parent is refused.
    expect(selectBranch(t, 42)).toBe(t);
    expect(() => addBranch(t, 42, 0, [])).toThrow(RangeError);
  });

  it('orders children by fork point, each after its parent', () => {
    let t = setCurrentTokens(emptyTree<number>(), [1, 2, 3, 4]);
    t = addBranch(t, 1, 3, [1, 2, 3, 9]);
    t = addBranch(t, 1, 1, [1, 7]);
    t = addBranch(t, 3, 1, [1, 7, 8]);
    expect(branchRows(t).map((r) => [r.branch.id, r.depth])).toEqual([
      [1, 0],
      [3, 1],
      [4, 2],
      [2, 1],
    ]);
  });

  it('sharedPrefix counts the tokens two branches have in common', () => {
    expect(sharedPrefix([1, 2, 3], [1, 2, 4, 5], (a, b) => a === b)).toBe(2);
    expect(sharedPrefix([], [1], (a, b) => a === b)).toBe(0);
    expect(sharedPrefix([1, 2], [1, 2], (a, b) => a === b)).toBe(2);
  });
});
