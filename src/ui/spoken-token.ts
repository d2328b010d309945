/**
 * A token's text as a screen reader should say it: whitespace a reader would swallow (a
 * newline token, a leading space) is named, so "\n" is not announced as nothing and " the"
 * is told apart from "the". Pure, no DOM.
 */
export function spokenToken(text: string): string {
  if (text === '') return 'empty';
  if (/^\s+$/.test(text)) {
    return [...text]
      .map((c) => (c === ' ' ? 'space' : c === '\n' ? 'newline' : c === '\t' ? 'tab' : 'blank'))
      .join(' ');
  }
  const body = text
    .trim()
    .replace(/\s*\n\s*/g, ' newline ')
    .replace(/\s+/g, ' ');
  const notes = [
    /^ /.test(text) ? 'after a space' : '',
    /\n\s*$/.test(text) ? 'then a newline' : '',
  ].filter(Boolean);
  return notes.length ? `${body} (${notes.join(', ')})` : body;
}
