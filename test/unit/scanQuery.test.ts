// What ltv reads of a database input's text (src/ingest/scanQuery.ts): its own ";" and keywords, outside string
// literals, quoted identifiers and comments, as PostgreSQL and MySQL/MariaDB lex them. The servers' own
// refusals are tested in test/integration/databaseInputs.test.ts.
import { describe, expect, it } from 'vitest';
import { hasSecondStatement, notOneSelect, sameQueryText, withoutLastSemicolon } from '../../src/ingest/scanQuery.js';

describe('withoutLastSemicolon', () => {
  it.each([
    // PostgreSQL: a ";" in a literal is no end, whatever follows it ("; --" was cut there, the rest taken for a comment).
    ["SELECT cust || '; --' AS customer_id FROM o", "SELECT cust || '; --' AS customer_id FROM o"],
    ["SELECT cust || '; --' AS customer_id FROM o;", "SELECT cust || '; --' AS customer_id FROM o"],
    ["SELECT 'it''s; --' AS c; -- all rows", "SELECT 'it''s; --' AS c"],
    // E'…' has backslash escapes: \' does not end it. A plain '…' has none: 'a\' ends at its second quote.
    ["SELECT E'\\'; --' AS c;", "SELECT E'\\'; --' AS c"],
    ["SELECT e'x\\\\' AS c; -- done", "SELECT e'x\\\\' AS c"],
    ["SELECT 'a\\' AS c; -- done", "SELECT 'a\\' AS c"],
    // Dollar quotes, with and without a tag; $1 is no quote.
    ['SELECT $$; --$$ AS c', 'SELECT $$; --$$ AS c'],
    ['SELECT $q$; $$ --$q$ AS c;\n', 'SELECT $q$; $$ --$q$ AS c'],
    ['SELECT a$b AS c, $1 AS d;', 'SELECT a$b AS c, $1 AS d'],
    // Quoted identifiers and comments, nested ones too (PostgreSQL's nest).
    ['SELECT 1 AS "x; --"', 'SELECT 1 AS "x; --"'],
    ['SELECT 1 AS c /* a; /* b; */ c; */', 'SELECT 1 AS c /* a; /* b; */ c; */'],
    ['SELECT 1 AS c; /* orders */ -- done\n', 'SELECT 1 AS c'],
    ['SELECT 1 AS c -- a; b', 'SELECT 1 AS c -- a; b'],
    // A ";" between statements stays: the server refuses the text (it is not ltv's to split).
    ['SELECT 1; DELETE FROM t', 'SELECT 1; DELETE FROM t'],
    // Text that ends inside a literal is kept as it is, for the server to refuse.
    ["SELECT 'a; b", "SELECT 'a; b"],
    ['SELECT 1 AS c; /* not closed', 'SELECT 1 AS c; /* not closed'],
  ])('PostgreSQL %j', (query, expected) => {
    expect(withoutLastSemicolon(query, 'PostgreSQL')).toBe(expected);
  });

  it('PostgreSQL with standard_conforming_strings off: a plain literal has backslash escapes too', () => {
    expect(withoutLastSemicolon("SELECT 'a\\'; --' AS c;", 'PostgreSQL', { backslashEscapes: true })).toBe("SELECT 'a\\'; --' AS c");
    // Without them, the literal is 'a\' and "; --' AS c;" ends the statement with a comment.
    expect(withoutLastSemicolon("SELECT 'a\\'; --' AS c;", 'PostgreSQL')).toBe("SELECT 'a\\'");
  });

  it.each([
    // MySQL: '…' and "…" with backslash escapes and doubled quotes, `…` identifiers.
    ["SELECT CONCAT(c, '\\'; --') AS customer_id FROM o;", "SELECT CONCAT(c, '\\'; --') AS customer_id FROM o"],
    ['SELECT "a\\"; #" AS c, \'it\'\'s;\' AS d;', 'SELECT "a\\"; #" AS c, \'it\'\'s;\' AS d'],
    ['SELECT 1 AS `x; -- ``y`;', 'SELECT 1 AS `x; -- ``y`'],
    // Comments: #, "-- " (a dash pair without white space after it is two minus signs), /* */ not nested.
    ['SELECT 1 AS c; # done', 'SELECT 1 AS c'],
    ['SELECT 1 AS c; -- done', 'SELECT 1 AS c'],
    ['SELECT 1 --1 AS c;', 'SELECT 1 --1 AS c'],
    ['SELECT 1 AS c /* a; */;', 'SELECT 1 AS c /* a; */'],
    // $ is no quote in MySQL.
    ["SELECT $$ AS c, '; #' AS d;", "SELECT $$ AS c, '; #' AS d"],
  ])('MySQL %j', (query, expected) => {
    expect(withoutLastSemicolon(query, 'MySQL')).toBe(expected);
  });

  it('MySQL under NO_BACKSLASH_ESCAPES and ANSI_QUOTES reads literals as the session does', () => {
    expect(withoutLastSemicolon("SELECT 'a\\' AS c; # done", 'MySQL', { backslashEscapes: false })).toBe("SELECT 'a\\' AS c");
    expect(withoutLastSemicolon("SELECT 'a\\' AS c; # done", 'MySQL')).toBe("SELECT 'a\\' AS c; # done");
    expect(withoutLastSemicolon('SELECT 1 AS "a\\"; # done', 'MySQL', { ansiQuotes: true })).toBe('SELECT 1 AS "a\\"');
  });
});

describe('hasSecondStatement', () => {
  it.each([
    ['SELECT 1; SELECT 2', 'PostgreSQL', true],
    ["SELECT ';' AS a", 'PostgreSQL', false],
    ['SELECT $x$;$x$ AS a', 'PostgreSQL', false],
    ['SELECT 1 AS `;`', 'MySQL', false],
    ['SELECT 1 /*! ; */', 'MySQL', true],
    ['SELECT 1 /* ; */', 'MySQL', false],
  ] as const)('%j (%s)', (query, dialect, expected) => {
    expect(hasSecondStatement(query, dialect)).toBe(expected);
  });
});

describe('notOneSelect', () => {
  it.each([
    ['DROP TABLE victim', 'MySQL', 'starts with DROP'],
    ['  truncate table t3', 'MySQL', 'starts with TRUNCATE'],
    ['DO SLEEP(0)', 'MySQL', 'starts with DO'],
    ["COPY (SELECT 1) TO '/tmp/x'", 'PostgreSQL', 'starts with COPY'],
    ['/* SELECT */ -- SELECT\nCREATE TABLE x AS SELECT 1', 'PostgreSQL', 'starts with CREATE'],
    ['(DELETE FROM t)', 'PostgreSQL', 'starts with DELETE'],
    ["'SELECT'", 'MySQL', 'does not start with SELECT'],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", 'MySQL', 'has INTO (SELECT … INTO puts the rows into variables, a file or a table)'],
    ['SELECT a, b INTO @a, @b FROM t', 'MySQL', 'has INTO (SELECT … INTO puts the rows into variables, a file or a table)'],
    // Row statements, INTO only as text, an identifier or part of a name.
    ['SELECT 1', 'MySQL', undefined],
    ['(SELECT 1) UNION (SELECT 2)', 'MySQL', undefined],
    ['with q AS (SELECT 1) SELECT * FROM q', 'PostgreSQL', undefined],
    ['VALUES (1)', 'PostgreSQL', undefined],
    ['TABLE orders', 'PostgreSQL', undefined],
    ["SELECT 'into' AS \"into\", into_x, x_into, a$into FROM t -- into", 'PostgreSQL', undefined],
    ['SELECT `into` FROM t # into', 'MySQL', undefined],
  ] as const)('%j (%s)', (query, dialect, expected) => {
    expect(notOneSelect(query, dialect)).toBe(expected);
  });
});

describe('sameQueryText', () => {
  it.each([
    // White space and comments outside literals are one space; a last ";" goes.
    ['  SELECT a,\n\t b\nFROM t ;\n', 'PostgreSQL', 'SELECT a, b FROM t'],
    ['SELECT a /* x */ FROM t -- all\n', 'PostgreSQL', 'SELECT a FROM t'],
    ['SELECT a # all\nFROM t', 'MySQL', 'SELECT a FROM t'],
    // A literal's or quoted identifier's own white space stays, line breaks too.
    ["SELECT 'a  b', \"x\ny\" FROM t", 'PostgreSQL', "SELECT 'a  b', \"x\ny\" FROM t"],
    ["SELECT 'a\n b'", 'PostgreSQL', "SELECT 'a\n b'"],
  ] as const)('%j (%s)', (query, dialect, expected) => {
    expect(sameQueryText(query, dialect)).toBe(expected);
  });
});
