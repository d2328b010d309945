// vitest 5's reporter calls Map.groupBy, which Node 20 lacks: without it a failing test
// prints "Map.groupBy is not a function" instead of its assertion.
export default function setup(): void {
  const m = Map as unknown as { groupBy?: unknown };
  if (typeof m.groupBy !== 'function') {
    m.groupBy = <K, V>(items: Iterable<V>, key: (v: V, i: number) => K): Map<K, V[]> => {
      const out = new Map<K, V[]>();
      let i = 0;
      for (const item of items) {
        const k = key(item, i++);
        const list = out.get(k);
        if (list) list.push(item);
        else out.set(k, [item]);
      }
      return out;
    };
  }
}
