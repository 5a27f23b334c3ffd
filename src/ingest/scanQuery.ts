// SPEC §3 database inputs: what ltv itself reads of a query's text. The server's parser decides what runs
// (readQuery.ts has it parse the text inside parentheses, where only one query parses); this scanner finds
// the text's own ";" and keywords outside string literals, quoted identifiers and comments, so that a
// trailing ";" can be dropped and a refusal said in the query's terms. It lexes as the servers' manuals
// say: PostgreSQL ('…' with '', E'…' with backslash escapes, $tag$…$tag$, "…", -- and nested /* */) and
// MySQL/MariaDB ('…' and "…" with '' and backslash escapes, `…`, #, "-- " and /* */, whose /*! … */ and
// /*M! … */ the server runs as code).

export type Dialect = 'PostgreSQL' | 'MySQL';

/** The session settings that change how a text lexes. */
export interface LexSettings {
  /**
   * Backslash escapes in plain '…' literals: MySQL's default (off under sql_mode NO_BACKSLASH_ESCAPES);
   * PostgreSQL only with standard_conforming_strings off (its E'…' literals always have them).
   */
  backslashEscapes?: boolean;
  /** MySQL sql_mode ANSI_QUOTES: "…" is an identifier, not a string. */
  ansiQuotes?: boolean;
}

/** What stands for a character of a string literal or quoted identifier in scanned code: neither a word nor white space. */
const QUOTED = '\u001a';
/** A character an unquoted identifier goes on with (both servers allow $ and any non-ASCII letter). */
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * The query's code: the text with every comment blanked to spaces and every string literal and quoted
 * identifier to QUOTED characters (line breaks kept unless `lineBreaks` is false, the length unchanged), so
 * that a ";" or keyword found in it is the query's own. `open` says the text ends inside one of them.
 */
export function scanQuery(text: string, dialect: Dialect, settings: LexSettings = {}, lineBreaks = true): { code: string; open: 'string' | 'identifier' | 'comment' | undefined } {
  const my = dialect === 'MySQL';
  const backslash = settings.backslashEscapes ?? my;
  const out: string[] = [];
  const blank = (from: number, to: number, ch: string): void => {
    for (let k = from; k < to; k++) out.push(lineBreaks && text[k] === '\n' ? '\n' : ch);
  };
  /** The end of a literal quoted by `q` opening at `i` (after its closing quote), or -1 when it does not close. */
  const closing = (i: number, q: string, escapes: boolean): number => {
    for (let j = i + 1; j < text.length; j++) {
      if (escapes && text[j] === '\\') j++;
      else if (text[j] === q) {
        if (text[j + 1] !== q) return j + 1;
        j++;
      }
    }
    return -1;
  };
  let open: 'string' | 'identifier' | 'comment' | undefined;
  // Inside MySQL's /*! … */: code the server runs, whose */ ends it.
  let runComment = false;
  let i = 0;
  while (i < text.length && open === undefined) {
    const c = text[i]!;
    const next = text[i + 1];
    const identBefore = i > 0 && IDENT_CHAR.test(text[i - 1]!);
    if ((c === '-' && next === '-' && (!my || i + 2 >= text.length || /[\s\x00-\x1f]/.test(text[i + 2]!))) || (my && c === '#')) {
      const end = text.indexOf('\n', i);
      const to = end < 0 ? text.length : end;
      blank(i, to, ' ');
      i = to;
    } else if (c === '/' && next === '*') {
      const run = my ? /^\/\*M?!\d*/.exec(text.slice(i, i + 12)) : null;
      if (run) {
        blank(i, i + run[0].length, ' ');
        i += run[0].length;
        runComment = true;
        continue;
      }
      // PostgreSQL's block comments nest; MySQL's end at the first */.
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (!my && text.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (text.startsWith('*/', j)) {
          depth--;
          j += 2;
        } else {
          j++;
        }
      }
      blank(i, j, ' ');
      if (depth > 0) open = 'comment';
      i = j;
    } else if (runComment && c === '*' && next === '/') {
      blank(i, i + 2, ' ');
      i += 2;
      runComment = false;
    } else if (c === "'" || c === '"' || (my && c === '`')) {
      const identifier = c === '`' || (c === '"' && (!my || settings.ansiQuotes === true));
      // PostgreSQL's E'…' (e'…'): the E is a prefix, not the end of an identifier.
      const escapeString = !my && c === "'" && /[eE]/.test(text[i - 1] ?? '') && !(i > 1 && IDENT_CHAR.test(text[i - 2]!));
      const end = closing(i, c, !identifier && (escapeString || backslash));
      const to = end < 0 ? text.length : end;
      blank(i, to, QUOTED);
      if (end < 0) open = identifier ? 'identifier' : 'string';
      i = to;
    } else if (!my && c === '$' && !identBefore) {
      // A dollar quote's tag is an identifier without "$" (or empty); $1 is a parameter.
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i))?.[0];
      if (tag === undefined) {
        out.push(c);
        i++;
        continue;
      }
      const end = text.indexOf(tag, i + tag.length);
      const to = end < 0 ? text.length : end + tag.length;
      blank(i, to, QUOTED);
      if (end < 0) open = 'string';
      i = to;
    } else {
      out.push(c);
      i++;
    }
  }
  return { code: out.join(''), open };
}

/**
 * The query's text without a last ";" and what follows it when that is only white space and comments
 * (`SELECT …; -- all rows`): run inside ltv's own statement, such a text was two statements. A ";" in a
 * string literal, a quoted identifier or a comment is no end (`cust || '; --'` was cut there).
 */
export function withoutLastSemicolon(query: string, dialect: Dialect, settings: LexSettings = {}): string {
  const sql = query.trim();
  const { code, open } = scanQuery(sql, dialect, settings);
  const at = code.lastIndexOf(';');
  // A text that ends inside a literal or comment is the server's to refuse, as it stands.
  if (at < 0 || open !== undefined || /\S/.test(code.slice(at + 1))) return sql;
  return sql.slice(0, at).trimEnd();
}

/**
 * The query's text as far as what it selects goes: white space and comments outside its literals and quoted
 * identifiers as one space, and no last ";". Two texts alike here are the same query (resolveInputs.ts
 * refuses one query read by two inputs); a literal's own white space is kept, `'a  b'` is not `'a b'`.
 */
export function sameQueryText(query: string, dialect: Dialect): string {
  const sql = withoutLastSemicolon(query, dialect);
  const { code } = scanQuery(sql, dialect, {}, false);
  let out = '';
  let space = false;
  for (let i = 0; i < sql.length; i++) {
    if (/\s/.test(code[i]!)) space = true;
    else {
      if (space && out !== '') out += ' ';
      space = false;
      out += sql[i]!;
    }
  }
  return out;
}

/** Whether the query's own text has a ";" between two statements (after withoutLastSemicolon). */
export function hasSecondStatement(query: string, dialect: Dialect, settings: LexSettings = {}): boolean {
  return scanQuery(query, dialect, settings).code.includes(';');
}

/** The statements a subquery can hold: a query that starts otherwise is no SELECT. */
const ROW_STATEMENTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);

/**
 * Why a query the server refused to parse as a subquery is not one SELECT that returns rows, in its own
 * terms (`starts with DROP`, an INTO), or undefined when it is one and the server refused something else.
 */
export function notOneSelect(query: string, dialect: Dialect, settings: LexSettings = {}): string | undefined {
  const { code } = scanQuery(query, dialect, settings);
  // Parentheses first: `(SELECT …) UNION (SELECT …)` starts with SELECT.
  const word = /^[\s(]*([A-Za-z_][A-Za-z0-9_]*)/.exec(code)?.[1]?.toUpperCase();
  if (word === undefined) return 'does not start with SELECT';
  if (!ROW_STATEMENTS.has(word)) return `starts with ${word.slice(0, 30)}`;
  // INTO is a reserved word in both dialects: unquoted, it is SELECT … INTO or a data-modifying statement.
  if (/(?<![A-Za-z0-9_$\u0080-\uffff])INTO(?![A-Za-z0-9_$\u0080-\uffff])/i.test(code)) return 'has INTO (SELECT … INTO puts the rows into variables, a file or a table)';
  return undefined;
}
