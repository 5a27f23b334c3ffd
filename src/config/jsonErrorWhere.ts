// Where a JSON text breaks, as a person finds it in an editor: job files (loadJob.ts) and the keys file
// (src/serve/addKey.ts).

/**
 * "line L, column C: not valid JSON (…)" from JSON.parse's message, which gives a position or none (the end).
 * `commentFix` says what to do with a comment found there (V8 said "Expected property name or '}'").
 */
export function jsonErrorWhere(text: string, message: string, commentFix = 'remove it'): string {
  const m = /position (\d+)/.exec(message);
  const at = m ? Number(m[1]) : unexpectedTokenAt(text, message) ?? text.length;
  const before = text.slice(0, at);
  const line = before.split(/\r\n|\r|\n/).length;
  const column = at - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  // V8's character offset (and Node 22's own line and column) beside ours named the place twice, differently.
  if (/^\s*\/[/*]/.test(text.slice(at))) return `line ${line}, column ${column}: not valid JSON (JSON has no comments: ${commentFix})`;
  const why = message.replace(/\s*\n\s*/g, ' ').replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+(?: \(line \d+ column \d+\))?/, '');
  return `line ${line}, column ${column}: not valid JSON (${why.length > 120 ? `${why.slice(0, 117)}...` : why})`;
}

/**
 * Where V8's "Unexpected token 'U', ..."urrency": USD, "fo"... is not valid JSON" points, a message without a
 * position: its quote is the text from 10 characters before the token to 10 after, with "..." where it cuts
 * the text (the whole text when it is short), so the token lies 10 characters after the quote's start, or 10
 * before its end when it starts the text. undefined for another message or a quote not found.
 */
function unexpectedTokenAt(text: string, message: string): number | undefined {
  const m = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!m) return undefined;
  const [, token, cutBefore, quote = '', cutAfter] = m;
  if (cutBefore) {
    const start = text.indexOf(quote);
    return start < 0 ? undefined : start + 10;
  }
  if (cutAfter) return quote.length - 10;
  const at = text.indexOf(token!);
  return at < 0 ? undefined : at;
}
