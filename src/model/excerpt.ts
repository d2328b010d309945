/**
 * Quoting what a file holds in an error message, at bounded cost. A hostile file may hold a
 * 4 MB string or an array nested thousands of levels deep: JSON.stringify of either makes a
 * message as large as the file, or overflows the stack before the message exists.
 */

/** `s` as a JSON string literal, cut to `max` characters with an ellipsis when longer. */
export function excerpt(s: string, max = 60, quote = true): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return quote ? JSON.stringify(cut) : cut;
}

/**
 * A short, flat rendering of a JSON value: primitives as written, arrays by their first few
 * items (a nested array or object shown as `[…]` / `{…}`, never walked into).
 */
export function describeJson(v: unknown, items = 4): string {
  if (Array.isArray(v)) {
    const shown = v.slice(0, items).map((x) => flat(x));
    const more = v.length > items ? `, … (${v.length} items)` : '';
    return `[${shown.join(', ')}${more}]`;
  }
  return flat(v);
}

function flat(v: unknown): string {
  if (typeof v === 'string') return excerpt(v, 24);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : '[…]';
  if (typeof v === 'object') return '{…}';
  return typeof v;
}
