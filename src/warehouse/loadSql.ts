// SQL lives in src/sql/*.sql, one statement each (STYLE habit 2). Dynamic identifiers are substituted
// from closed lists only ({{name}} placeholders); values are always bound parameters.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cache = new Map<string, string>();
const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));

export function loadSql(name: string, identifiers: Record<string, string> = {}): string {
  let text = cache.get(name);
  if (text === undefined) {
    // Whole-line comments document the statement (and name its placeholders); they are not sent.
    text = readFileSync(`${SQL_DIR}${name}.sql`, 'utf8')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('--'))
      .join('\n');
    cache.set(name, text);
  }
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = identifiers[key];
    if (value === undefined) throw new Error(`SQL ${name}: no value for {{${key}}}`);
    return value;
  });
}

/** Quotes an identifier that comes from a closed list (never from user text). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A SQL string literal for a path we generated (COPY … TO does not take bound parameters), or a text the
 * job's load checked. DuckDB's parser ends a literal at a NUL character, and the rest of the statement would
 * be read as SQL: a text holding one is refused here, whoever let it through (a job's fields are refused at load).
 */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) {
    throw new Error(`cannot write a text holding \\u0000 (a NUL character) into SQL: DuckDB's parser would end it there; the text begins ${JSON.stringify(text.slice(0, 40))}`);
  }
  return `'${text.replace(/'/g, "''")}'`;
}

/** Time zones that are UTC under another name: their wall clock is the instant itself. */
const UTC_ZONES = new Set(['utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'zulu', 'etc/zulu', 'universal', 'etc/universal', 'greenwich', 'etc/greenwich']);

/** Days since 1970 (UTC) of the range 01_transition_days.sql covers; rows outside it always take the exact path. */
const TRANSITION_RANGE = { first: -25567, end: 47482 };

export function isUtcZone(timezone: string): boolean {
  return UTC_ZONES.has(timezone.toLowerCase());
}

/**
 * 02_macros.sql for a warehouse whose session time zone is `timezone`. `transitionDays`: the UTC days on
 * which the zone changes its offset (01_transition_days.sql; unused in UTC).
 */
export function macrosSql(timezone: string, transitionDays: readonly bigint[] | readonly number[] = []): string {
  return loadSql('02_macros', macroIdentifiers(timezone, transitionDays));
}

/**
 * What 02_macros.sql's placeholders hold: two variants, UTC and any other zone (with its transition days,
 * numbers DuckDB computed). Kept in test/golden/macros/ (test/unit/macrosSql.test.ts).
 */
export function macroIdentifiers(timezone: string, transitionDays: readonly bigint[] | readonly number[] = []): Record<string, string> {
  if (isUtcZone(timezone)) {
    return { local_time: 'make_timestamp(epoch_us(t))', instant: 'make_timestamptz(epoch_us(w))', near: 'FALSE' };
  }
  const day = 'ltv_floordiv(epoch_us(t), 86400000000)';
  const list = `[${transitionDays.map(String).join(', ')}]::BIGINT[]`;
  return {
    local_time: 'CAST(t AS TIMESTAMP)',
    instant: 'ltv_instant_icu(w, CAST(w AS TIMESTAMPTZ))',
    near: `(list_contains(${list}, ${day}) OR ${day} < ${TRANSITION_RANGE.first} OR ${day} >= ${TRANSITION_RANGE.end})`,
  };
}
