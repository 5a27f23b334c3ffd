// A list in a sentence, for messages shared by the report files and the explorer page, and the unknown
// names a request or a job file gave, for their one-line messages.

/** "a", "a and b", "a, b and c". */
export function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Unknown field names a message shows: the rest are counted. A 64 KiB body holds thousands of them. */
const SHOWN_NAMES = 5;
const NAME_CHARS = 32;

/**
 * A name as the client sent it, JSON-quoted on one line: cut to `max` characters (whole characters: a
 * cut inside a surrogate pair left half of it), every control character escaped.
 */
export function quotedName(n: string, max = NAME_CHARS): string {
  const chars = Array.from(n);
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : n;
  return escapedInvisible(JSON.stringify(cut));
}

/**
 * JSON text with what JSON leaves as it is escaped too: C1 controls (U+0085 ends a line for some readers),
 * U+2028/2029 and the bidi controls (U+202E reverses what follows). JSON escapes the C0 controls itself.
 */
export function escapedInvisible(json: string): string {
  return json.replace(/[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Unknown names as the client sent them, on one line of bounded length: a plain name bare, any other
 * (spaces, commas, line breaks, control characters) JSON-quoted and cut to NAME_CHARS characters; past
 * SHOWN_NAMES names, "and N more".
 */
export function unknownNames(names: readonly string[]): string {
  const shown = names.slice(0, SHOWN_NAMES).map((n) => {
    if (/^[A-Za-z0-9_.$-]+$/.test(n) && n.length <= NAME_CHARS) return n;
    return quotedName(n);
  });
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}
