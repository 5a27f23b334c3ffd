// The case fold by which the server matches filter values (SPEC §6: `us` is `US`), for the explorer page,
// which lists the values it matches alike as one.

/**
 * `text` as src/sql/31_attr_kept.sql folds it, lower(upper(x)): Unicode's simple case mapping, one
 * character to one, each character upper-cased then lower-cased. JavaScript's own toLowerCase maps by
 * context (a final sigma) and to several characters (İ to i and a combining dot), so 'οδος' and 'οδοσ',
 * 'İNDİRİM' and 'indirim', which the server matches alike, were told apart. Where the full mapping gives
 * several characters (ß's upper case SS), the simple one keeps the character, but for İ's lower case: i.
 * Letters encoded after the Unicode version of DuckDB's tables (Unicode 16's) may fold differently.
 */
export function foldCase(text: string): string {
  let out = '';
  for (const c of text) {
    const upper = c.toUpperCase();
    const u = [...upper].length === 1 ? upper : c;
    out += String.fromCodePoint(u.toLowerCase().codePointAt(0) as number);
  }
  return out;
}
