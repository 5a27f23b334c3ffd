-- Shared scalar macros.
-- ltv_trim: x without the white space at either end: Unicode's White_Space characters (tab, LF, VT, FF, CR,
-- space, NEL, no-break space and the other space separators), in any mix ("\t\u00a0c1\r" is "c1"). DuckDB's
-- trim(x) removes the space separators only (a tab-only customer id was a customer, "c1\t" another than
-- "c1"). The trim runs only where there may be something to trim (about 65 ns of CPU a value, a quarter
-- of the check statement's CPU at 10 M rows when every value was trimmed): a value whose first or last
-- character is at or below the space (x < '!' compares one byte; x[-1] is the last character) or that holds
-- any non-ASCII character; any other value comes back as it is. Cost against the spaces-only macro (it reads
-- prefix and suffix ' '): the 1 M bench's ingest 1.27–1.43 s → 1.41–1.69 s; right(x, 1) instead of x[-1]
-- 1.65–1.77 s; six suffix() tests 1.47 s. ltv_ws() is one literal: built with chr() it was 25 calls in each
-- of the check statement's ~100 expansions of this macro, and the example's check took 0.77 s instead of 0.13.
-- Its second part is the non-ASCII White_Space characters themselves: U+0085, U+00A0, U+1680, U+2000–U+200A,
-- U+2028, U+2029, U+202F, U+205F, U+3000 (an E'' string has no \u escape in DuckDB).
CREATE OR REPLACE MACRO ltv_ws() AS E' \t\n\x0b\f\r' || '                 　';
CREATE OR REPLACE MACRO ltv_trim(x) AS
  CASE WHEN x < '!' OR x[-1] < '!' OR strlen(x) <> length(x) THEN trim(x, ltv_ws()) ELSE x END;
-- Floor division (DuckDB's // truncates toward zero).
CREATE OR REPLACE MACRO ltv_floordiv(a, b) AS CASE WHEN a >= 0 THEN a // b ELSE -((-a + b - 1) // b) END;
-- A TIMESTAMPTZ on the report time zone's wall clock (the session time zone). {{local_time}}: in UTC the
-- instant's own microseconds (no time zone library call per row), else the cast (warehouse/loadSql.ts).
CREATE OR REPLACE MACRO ltv_local(t) AS {{local_time}};
-- SPEC §4 "times are compared as instants": the instant of a local wall-clock TIMESTAMP w. A time that
-- occurs twice (fall-back) is its first occurrence; one that does not exist (spring-forward) moves forward
-- by the gap (RFC 5545, Temporal's "compatible"). DuckDB's cast gives the second occurrence and moves a gap
-- forward; the first occurrence is w read with the offset in force 6 hours before (no zone repeats more
-- than 6 hours), kept when it is earlier and really shows w. {{instant}}: in UTC the microseconds as they are.
CREATE OR REPLACE MACRO ltv_instant_icu(w, x) AS CASE
  WHEN make_timestamptz(epoch_us(w) - (epoch_us(CAST(x - INTERVAL 6 HOUR AS TIMESTAMP)) - epoch_us(x - INTERVAL 6 HOUR))) < x
   AND CAST(make_timestamptz(epoch_us(w) - (epoch_us(CAST(x - INTERVAL 6 HOUR AS TIMESTAMP)) - epoch_us(x - INTERVAL 6 HOUR))) AS TIMESTAMP) = w
  THEN make_timestamptz(epoch_us(w) - (epoch_us(CAST(x - INTERVAL 6 HOUR AS TIMESTAMP)) - epoch_us(x - INTERVAL 6 HOUR)))
  ELSE x END;
CREATE OR REPLACE MACRO ltv_instant(w) AS {{instant}};
-- Whether instant t lies on a UTC day on which the zone changes its offset (or the day after): only there
-- can a wall-clock comparison differ from an instant one. {{near}}: FALSE in UTC; else a test of t's UTC
-- day against the zone's short list of such days (01_transition_days.sql, 1900-2100; every day outside
-- it counts as near), so the time zone library is asked only for the few rows near a transition.
CREATE OR REPLACE MACRO ltv_near_transition(t) AS {{near}};
-- SPEC §4: a naive time that occurs twice (DST fall-back) is its first occurrence; DuckDB's cast takes the
-- second (ICU's default), so a naive text near a transition is moved to the first occurrence of its wall
-- time (the same instant for every other time). One that does not exist (spring-forward) is moved forward
-- by the gap, which is what the cast does.
-- Whether a time text carries no offset or zone: a date, then only digits, colons and dots after a T or space.
CREATE OR REPLACE MACRO ltv_is_naive(x) AS regexp_full_match(ltv_trim(x), '\d{4}-?\d\d-?\d\d([Tt ][0-9:.]*)?');
-- A text that names its zone (2025-11-02 01:30:00 America/New_York) is cast by ICU to the second occurrence
-- as well: ltv_first_in_zone moves it to the first, the rule above with that zone instead of the session's
-- (timezone(z, t) is t on z's wall clock). Only texts holding a '/' pay for the regular expression.
CREATE OR REPLACE MACRO ltv_zone_of(x) AS regexp_extract(ltv_trim(x), ' ([A-Za-z_]+/[A-Za-z0-9_/+-]+)$', 1);
CREATE OR REPLACE MACRO ltv_first_in_zone(z, v) AS CASE
  WHEN make_timestamptz(epoch_us(timezone(z, v)) - (epoch_us(timezone(z, v - INTERVAL 6 HOUR)) - epoch_us(v - INTERVAL 6 HOUR))) < v
   AND timezone(z, make_timestamptz(epoch_us(timezone(z, v)) - (epoch_us(timezone(z, v - INTERVAL 6 HOUR)) - epoch_us(v - INTERVAL 6 HOUR)))) = timezone(z, v)
  THEN make_timestamptz(epoch_us(timezone(z, v)) - (epoch_us(timezone(z, v - INTERVAL 6 HOUR)) - epoch_us(v - INTERVAL 6 HOUR)))
  ELSE v END;
CREATE OR REPLACE MACRO ltv_first_if_naive(x, v) AS CASE
  WHEN ltv_near_transition(v) AND ltv_is_naive(x) THEN ltv_instant(ltv_local(v))
  WHEN v IS NOT NULL AND contains(x, '/') AND ltv_zone_of(x) <> '' THEN ltv_first_in_zone(ltv_zone_of(x), v)
  ELSE v END;
-- A numeric UTC offset out of RFC 3339's range (hours 00-23, minutes and seconds 00-59) after a time:
-- DuckDB's cast takes +99:99 as 100 h 39 min and moves the time by days. Such a time is no time (NULL).
CREATE OR REPLACE MACRO ltv_bad_offset(x) AS NOT suffix(x, 'Z') AND regexp_matches(ltv_trim(x),
  ':\d\d(\.\d*)?[+-](([2][4-9]|[3-9]\d)(:?\d\d){0,2}|\d\d:?[6-9]\d(:?\d\d)?|\d\d:?\d\d:?[6-9]\d)$');
-- The shapes of time a row may have (README "Input rules"): ISO 8601's calendar date, extended
-- (2026-01-05) or basic (20260105), then optionally a time after T or a space: hh:mm, hh:mm:ss or with a
-- fraction of digits, hours 00-23 (24:00 ends the day), then Z, a numeric offset, or a zone that cannot be
-- misread: UTC or GMT (BigQuery writes "… UTC") or an IANA name (Europe/Berlin). DuckDB's cast also takes
-- 2025-6-3, 2025/06/03, 10:00:00.Z, 1:2:3, infinity, epoch and abbreviations such as EST or CST (which
-- mean several zones); such a text is no time here (a bad row, with time_format as the remedy), so a value
-- is never read by a guess. One regular expression a row: ~80 ns of CPU (0.4 s at 10 M rows on 2 threads).
CREATE OR REPLACE MACRO ltv_iso_shape(x) AS regexp_full_match(x,
  '\d{8}|\d{4}-\d\d-\d\d([Tt ](([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?|24:00(:00(\.0+)?)?)([Zz]|[+-]\d\d(:?\d\d){0,2}| ?(UTC|GMT)| [A-Za-z_]+/[A-Za-z0-9_/+-]+)?)?');
-- A time the export writes in UTC (a preset's UTC column, presets.ts `utc`): a naive text of a shape ltv_ts
-- reads (ltv_is_naive, ltv_iso_shape: 20260105, a date, RFC 3339's t, hh:mm, 24:00) as the same wall-clock
-- time at +0000, so it is read as UTC, never in the report time zone; any other text as it is. Written as
-- the time_format's reading is (readInputs.ts maybeTimeFormat), with the offset. Only naive texts pay for
-- the shape test and the cast.
CREATE OR REPLACE MACRO ltv_utc_if_naive(x) AS CASE
  WHEN NOT ltv_is_naive(x) THEN x
  WHEN NOT ltv_iso_shape(ltv_trim(x)) THEN x
  ELSE coalesce(strftime(coalesce(try_cast(replace(ltv_trim(x), 't', 'T') AS TIMESTAMP), try_strptime(ltv_trim(x), '%Y%m%d')),
    '%Y-%m-%dT%H:%M:%S.%f+0000'), x) END;
-- A preset's UTC time compared in SQL (RevenueCat's end_time before start_time), x as the run
-- reads its times (the input's time_format, ltv_utc_if_naive: presets.ts `withTimes`). Not ltv_ts: its
-- expansion, twice per time in each of the preset's row expressions, made a 2-row run take 47 s (19 CPU-s; 3.6 s so).
-- Only a time of an ISO 8601 shape that names its offset or zone (a naive one was given its +0000 already):
-- a naive text here is of no ISO shape (2025-1-5 13:00:00), which DuckDB's cast read by a guess, in the
-- report's zone or in a zone an earlier row of its vector named (ltv_ts); NULL, as for other text and for
-- Etc/Unknown. The shapes ltv_ts reads beyond DuckDB's cast are rewritten into it first, in one pass
-- (ltv_ts's fallbacks, each a cast of its own, cost too much here): RFC 3339's t and z in upper case, UTC
-- or GMT after a space, seconds after hh:mm (2026-01-05T10:00Z was NULL, and a Google Play row ending
-- before it started carried money). A zone's repeated hour is read as DuckDB's cast reads it.
CREATE OR REPLACE MACRO ltv_utc_ts(x) AS CASE WHEN NOT ltv_is_naive(x) AND NOT ltv_bad_offset(x) AND ltv_iso_shape(ltv_trim(x)) AND NOT suffix(lower(ltv_trim(x)), 'etc/unknown')
  THEN try_cast(regexp_replace(regexp_replace(regexp_replace(regexp_replace(ltv_trim(x),
    '^(\d{4}-\d\d-\d\d)t', '\1T'), '(\d)z$', '\1Z'), '(\d)(UTC|GMT)$', '\1 \2'),
    '^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d)([Z+-][0-9:]*| (UTC|GMT)| [A-Za-z_]+/[A-Za-z0-9_/+-]+)$', '\1:00\2') AS TIMESTAMPTZ) END;
-- A naive text never goes through DuckDB's text-to-TIMESTAMPTZ cast: a text naming its zone (… UTC, … GMT,
-- … America/New_York) sets that zone on the cast's calendar for the rest of its vector, so naive texts after
-- it in the same 2,048 rows were read in that zone, not the report's (one `… UTC` row moved every later naive
-- time of its file by the zone's offset, silently; DuckDB 1.5.5). The naive text is cast to TIMESTAMP (no
-- zone) and that to TIMESTAMPTZ in the session's zone: the same instant as the text cast gave alone, DST's
-- gap and repeated hour included (ltv_first_if_naive moves the latter to its first occurrence).
-- ICU reads the zone `Etc/Unknown` as UTC, a guess: such a time is no time.
CREATE OR REPLACE MACRO ltv_ts(x) AS CASE WHEN NOT ltv_bad_offset(x) AND ltv_iso_shape(ltv_trim(x)) AND NOT suffix(lower(ltv_trim(x)), 'etc/unknown') THEN ltv_first_if_naive(x, CASE
  WHEN ltv_is_naive(x) THEN coalesce(
    try_cast(replace(ltv_trim(x), 't', 'T') AS TIMESTAMP)::TIMESTAMPTZ,
    CASE WHEN regexp_full_match(ltv_trim(x), '\d{8}') THEN try_strptime(ltv_trim(x), '%Y%m%d')::TIMESTAMP::TIMESTAMPTZ END)
  ELSE coalesce(
  try_cast(ltv_trim(x) AS TIMESTAMPTZ),
  -- ISO 8601 hh:mm with Z, an offset, UTC/GMT or a zone's name (seconds left out), which DuckDB's cast refuses.
  try_cast(regexp_replace(ltv_trim(x), '^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d)([Z+-][0-9:]*| ?(UTC|GMT)| [A-Za-z_]+/[A-Za-z0-9_/+-]+)$', '\1:00\2') AS TIMESTAMPTZ),
  -- UTC or GMT right after the time (10:00:00UTC, 10:00GMT), which the shape allows and DuckDB's cast
  -- refuses without a space: read with one. Only the rows the casts above left NULL get here.
  try_cast(regexp_replace(regexp_replace(ltv_trim(x), '(\d)(UTC|GMT)$', '\1 \2'), '^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d)( (UTC|GMT))$', '\1:00\2') AS TIMESTAMPTZ),
  -- RFC 3339's lowercase t and z (2026-01-05t10:00:00z), which DuckDB's cast refuses: read in upper case,
  -- seconds added where left out. Only rows every cast above refused get here.
  try_cast(regexp_replace(regexp_replace(regexp_replace(ltv_trim(x), '^(\d{4}-\d\d-\d\d)t', '\1T'), 'z$', 'Z'), '^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d)([Z+-][0-9:]*)$', '\1:00\2') AS TIMESTAMPTZ)
) END) END;
-- Why a time (the column `name`'s text x) is no ISO 8601 time. A number of 9 to 13 digits is a Unix epoch
-- time in seconds or milliseconds, which no time_format reads: said so (advice to give a time_format there
-- was advice no one could follow).
CREATE OR REPLACE MACRO ltv_time_reason(name, x) AS CASE
  WHEN regexp_full_match(ltv_trim(x), '[+-]?\d{9,13}(\.\d+)?')
    THEN name || ' is a number, not an ISO 8601 time (a Unix epoch time?): "' || left(x, 60) || '": write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z) in the export or its query; no time_format reads epoch numbers'
  -- Second 60 (a leap second, 23:59:60Z, which ISO 8601 and RFC 3339 allow; at another offset or zone
  -- another minute): no instant DuckDB or ltv reads. Hours 00-23 and minutes 00-59 only: 10:60:60 is no time.
  WHEN regexp_full_match(ltv_trim(x), '\d{4}-?\d\d-?\d\d[Tt ]([01]\d|2[0-3]):?[0-5]\d:?60(\.\d+)?([Zz]|[+-][0-9:]+| ?(UTC|GMT)| [A-Za-z_]+/[A-Za-z0-9_/+-]+)?')
    THEN name || ' has second 60 (a leap second): "' || left(x, 60) || '": ltv reads no second 60; write the second before it (:59) in the export'
  -- ISO 8601's form, read as no time: a day the calendar lacks (2026-02-30), or a zone name the time zone
  -- database does not know (Europe/Berln). "Not an ISO 8601 time, write it as ISO 8601" told the user to
  -- write what the file already wrote. Etc/Unknown, which ltv_ts refuses as a guess, is said as before.
  WHEN ltv_iso_shape(ltv_trim(x)) AND NOT ltv_bad_offset(x) AND NOT suffix(lower(ltv_trim(x)), 'etc/unknown')
    THEN name || ' is no calendar time: "' || left(x, 60) || '" has ISO 8601''s form, but that day or hour does not exist or its zone is no time zone name: correct it in the export'
  ELSE name || ' is not an ISO 8601 time: "' || left(x, 60) || '"' || ltv_time_note(x) END;
-- The reason's tail for a time text that ltv_ts gave NULL: its offset out of range, or what to write.
CREATE OR REPLACE MACRO ltv_time_note(x) AS
  CASE WHEN ltv_bad_offset(x) THEN ' (its UTC offset is out of range: hours 00-23, minutes 00-59)'
    ELSE ': write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z), or give the input its time_format' END;
-- Booleans as exports write them; NULL for anything else (a bad value), FALSE when absent. list_contains,
-- not IN: DuckDB plans an IN list of five as a join against the list, for every row read.
-- The usual spellings are tested first, as they are: CASE evaluates the later branches only for the rows
-- still open.
CREATE OR REPLACE MACRO ltv_bool(x) AS CASE
  WHEN x IS NULL OR x = 'false' THEN FALSE
  WHEN x = 'true' THEN TRUE
  WHEN ltv_trim(x) = '' THEN FALSE
  WHEN list_contains(['true', 't', '1', 'yes', 'y'], lower(ltv_trim(x))) THEN TRUE
  WHEN list_contains(['false', 'f', '0', 'no', 'n'], lower(ltv_trim(x))) THEN FALSE
END;
CREATE OR REPLACE MACRO ltv_text(x) AS nullif(ltv_trim(x), '');
-- SPEC §3 numbers are read exactly or rejected (README "Input rules"): a decimal is an optional sign, digits
-- and an optional dot with digits — no digit separators (1,000 1_000 1 000), no exponent (1e3), no hex, no
-- locale forms; at most 14 integer digits and 4 decimals, so DECIMAL(18, 4) holds it without rounding. More
-- decimals are taken only as trailing zeros or as binary floating-point noise written out by a spreadsheet or
-- pandas (22.200000000000003, 2.9999999999999996: six or more 0s or 9s after at most 4 decimals, then at most
-- three digits), which is rounded away; any other fifth decimal is rejected. DuckDB's own cast would take
-- 1_000 and 1e3 and round 1.23456. A whole number is digits only (DuckDB's INTEGER cast rounds 1.5 to 2 and
-- reads 0x10). NULL = absent or not such a number. The first pattern is all a valid row pays for.
-- Noise rounded up from 14 nines (99999999999999.9999999 → 100000000000000) has 15 integer digits: it is
-- too long (ltv_dec4_carries), and the cast would abort the whole file instead of rejecting the row.
CREATE OR REPLACE MACRO ltv_dec4_carries(x) AS regexp_full_match(ltv_trim(x), '[+-]?9{14}\.9{6,}\d{1,3}');
CREATE OR REPLACE MACRO ltv_dec4(x) AS CASE
  WHEN regexp_full_match(ltv_trim(x), '[+-]?(\d{1,14}(\.\d{0,4}0*)?|\.\d{1,4}0*)') THEN CAST(ltv_trim(x) AS DECIMAL(18, 4))
  WHEN regexp_full_match(ltv_trim(x), '[+-]?\d{0,14}\.\d{0,4}(0{6,}|9{6,})\d{1,3}') AND NOT ltv_dec4_carries(x)
    THEN CAST(ltv_trim(x) AS DECIMAL(18, 4))
END;
-- A fraction (RevenueCat's commission_percentage, 0.3 = 30 %) as the percentage ltv_dec4 reads from the same
-- text with its decimal point moved two places (0.3 → 030., .15 → 15., 1 → 100., 0.12345 → 012.345): no
-- arithmetic on the value, so a fraction has at most 6 decimals, and no exponent, separator or NaN, as
-- ltv_dec4 reads any decimal. NULL = absent or not such a number.
CREATE OR REPLACE MACRO ltv_fraction_percent(x) AS ltv_dec4(CASE
  WHEN NOT regexp_full_match(ltv_trim(x), '[+-]?(\d+\.?\d*|\.\d+)') THEN NULL
  WHEN NOT contains(ltv_trim(x), '.') THEN ltv_trim(x) || '00'
  ELSE regexp_replace(ltv_trim(x) || repeat('0', greatest(2 - (length(ltv_trim(x)) - strpos(ltv_trim(x), '.')), 0)), '\.(\d\d)', '\1.')
END);
-- A decimal ltv_dec4 refuses only for its length: more than 14 integer digits, written or by rounding (the
-- reason says so).
CREATE OR REPLACE MACRO ltv_over_14_digits(x) AS regexp_full_match(ltv_trim(x), '[+-]?\d{15,}(\.\d*)?') OR ltv_dec4_carries(x);
-- The significant digits of a number's text (a float's shortest text, as DuckDB writes it: 1234.5677,
-- 16777216.0, 1.5e-07): its digits before any exponent, leading and trailing zeros aside (1200000.0 has 2).
CREATE OR REPLACE MACRO ltv_significant_digits(x) AS
  length(trim(regexp_replace(regexp_replace(x, '[eE].*', ''), '[^0-9]', '', 'g'), '0'));
-- A whole number of at most 9 digits, leading zeros aside (0000000009999 is 9999).
CREATE OR REPLACE MACRO ltv_int(x) AS
  CAST(CASE WHEN regexp_full_match(ltv_trim(x), '\+?0*\d{1,9}') THEN ltv_trim(x) END AS INTEGER);
-- SPEC §3 rates: r10 of local date `day` from a currency's daily rates `r10s` (BIGINT[], one per day from
-- `first` to the rates file's last date; a later day takes the last rate); NULL before the first rate.
CREATE OR REPLACE MACRO ltv_rate(r10s, first, day) AS
  CASE WHEN day >= first THEN r10s[least(date_diff('day', first, day) + 1, len(r10s))] END;
-- Round num/den half away from zero with integer division (exact, slow for 128-bit values: refunds only).
CREATE OR REPLACE MACRO ltv_div_round_exact(num, den) AS CASE
  WHEN (num >= 0) = (den > 0) THEN (abs(num) * 2 + abs(den)) // (abs(den) * 2)
  ELSE -((abs(num) * 2 + abs(den)) // (abs(den) * 2))
END;
-- Control characters made visible, as src/format/text.ts visibleText does for ltv.csv and the workbook: C0
-- but tab, LF and CR, and DEL, as their Unicode pictures (U+0001 → ␁); the C1 controls (U+0080–U+009F), the
-- bidi embedding, override and isolate controls, U+FFFE and U+FFFF as [U+202E] (four hex digits: [U+0085]); and, so the rule is one to one, a control picture the text
-- holds as [U+2401] and a "[U+" it holds as "[U+005B]U+" (first, on the whole text: it is three characters).
-- Per character only for the few texts that hold one.
CREATE OR REPLACE MACRO ltv_visible_text(x) AS CASE
  WHEN NOT regexp_matches(x, '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}\x{2400}-\x{2421}\x{fffe}\x{ffff}]|\[U\+') THEN x
  ELSE list_aggregate(list_transform(string_split(replace(x, '[U+', '[U+005B]U+'), ''), ch -> CASE
    WHEN ord(ch) < 32 AND ord(ch) NOT IN (9, 10, 13) THEN chr(9216 + ord(ch))
    WHEN ord(ch) = 127 THEN chr(9249)
    WHEN ord(ch) BETWEEN 128 AND 159 OR ord(ch) BETWEEN 8234 AND 8238 OR ord(ch) BETWEEN 8294 AND 8297 OR ord(ch) BETWEEN 9216 AND 9249 OR ord(ch) IN (65534, 65535)
      THEN '[U+' || lpad(upper(hex(ord(ch))), 4, '0') || ']'
    ELSE ch END), 'string_agg', '')
END;
-- A text made visible that stays on one line, as src/format/text.ts visibleLine: CR, LF and tab shown as
-- ␍ ␊ ␉ too, U+2028 and U+2029 as [U+2028] [U+2029]. For quarantine.csv's reason: a reason is one line whatever the values it quotes hold (an amount
-- "12\n34" split it in two, and `grep` and `wc -l` with it).
CREATE OR REPLACE MACRO ltv_visible_line(x) AS
  replace(replace(replace(replace(replace(ltv_visible_text(x), chr(9), chr(9225)), chr(10), chr(9226)), chr(13), chr(9229)),
    chr(8232), '[U+2028]'), chr(8233), '[U+2029]');
-- SPEC §5 (OWASP), as src/format/text.ts neutraliseText: a text starting with = + - @ tab CR LF, or with
-- apostrophes and then one of them ('=X, so that it is not shown as =X is), gets a leading '.
CREATE OR REPLACE MACRO ltv_neutralised(x) AS CASE WHEN regexp_matches(x, '^''*[=+\-@\t\r\n]') THEN '''' || x ELSE x END;
-- Text for quarantine.csv: controls made visible, then neutralised.
CREATE OR REPLACE MACRO ltv_safe_text(x) AS ltv_neutralised(ltv_visible_text(x));
-- Likewise, on one line (quarantine.csv's reason).
CREATE OR REPLACE MACRO ltv_safe_line(x) AS ltv_neutralised(ltv_visible_line(x));
-- Refund rows only, so its per-value division does not matter.
-- SPEC §4: the largest n with s + n days ≤ t (local wall clock, so a DST day still counts as one): on
-- wall-clock TIMESTAMPs that is floor((t − s) / 1 day) in microseconds (whole dates apart, less one when
-- t's time of day is earlier than s's), integer arithmetic only.
CREATE OR REPLACE MACRO ltv_days_until(s, t) AS ltv_floordiv(epoch_us(t) - epoch_us(s), 86400000000);
-- SPEC §4: the largest n with s + n months ≤ t (local wall clock; one addition, month ends clamped).
-- date_diff('month', s, t) is (year(t) − year(s)) · 12 + month(t) − month(s). Not year() and month():
-- each place one of them appears builds, per thread, a table of the years (months) of some 30,000 days,
-- and this macro appears 6 times in every matrix statement (3 more in the facts), whose rows there are a
-- few hundred cohorts: the example's 10 matrix statements took 0.99–1.03 s of CPU with them and 0.84–0.93 s
-- without, with the same result bit for bit.
CREATE OR REPLACE MACRO ltv_months_until(s, t) AS
  date_diff('month', s, t) - CASE WHEN CAST(s AS TIMESTAMP) + to_months(date_diff('month', s, t)) > t THEN 1 ELSE 0 END;
-- SPEC §4 periods compared as instants: the largest n with instant(s + n units) ≤ instant t, where s and
-- tl are the wall clocks of t0 and t. It is the wall-clock count n, except near a transition: when t is
-- the second occurrence of its wall time, boundary n + 1 (still ahead on the wall clock, in the repeated
-- hour) may have passed as an instant (its first occurrence); when boundary n does not exist on the wall
-- clock (spring-forward), its instant (moved forward by the gap) may still be ahead of t.
CREATE OR REPLACE MACRO ltv_k_fix(b_next, b_this, t) AS CASE
  WHEN NOT ltv_near_transition(t) THEN 0
  WHEN ltv_instant(b_next) <= t THEN 1
  WHEN ltv_instant(b_this) > t THEN -1
  ELSE 0 END;
CREATE OR REPLACE MACRO ltv_k_days(s, tl, t) AS ltv_days_until(s, tl) + ltv_k_fix(
  s + to_days(CAST(ltv_days_until(s, tl) + 1 AS INTEGER)), s + to_days(CAST(ltv_days_until(s, tl) AS INTEGER)), t);
CREATE OR REPLACE MACRO ltv_k_months(s, tl, t) AS ltv_months_until(s, tl) + ltv_k_fix(
  s + to_months(CAST(ltv_months_until(s, tl) + 1 AS INTEGER)), s + to_months(CAST(ltv_months_until(s, tl) AS INTEGER)), t);
-- SPEC §4 period units as data (23_matrix.sql binds the unit, 'day' … 'year'; a bound unit is a constant
-- to DuckDB's optimiser, so only its own branch runs): the unit's start of a date (weeks start on Monday),
-- the next unit's start, a facts row's `days` period index (k_day and k_month: 15_facts_all.sql), and the
-- last period shown at T for a cohort starting at s (the largest k with s + k·unit ≤ T, T a local
-- TIMESTAMP; censoring).
CREATE OR REPLACE MACRO ltv_unit_start(unit, d) AS CAST(date_trunc(unit, d) AS DATE);
CREATE OR REPLACE MACRO ltv_unit_next(unit, d) AS CAST(d + CASE unit
  WHEN 'day' THEN INTERVAL 1 DAY WHEN 'week' THEN INTERVAL 7 DAY WHEN 'month' THEN INTERVAL 1 MONTH
  WHEN 'quarter' THEN INTERVAL 3 MONTH WHEN 'year' THEN INTERVAL 1 YEAR END AS DATE);
CREATE OR REPLACE MACRO ltv_period_index(unit, k_day, k_month) AS CASE unit
  WHEN 'day' THEN k_day WHEN 'week' THEN k_day // 7 WHEN 'month' THEN k_month
  WHEN 'quarter' THEN k_month // 3 WHEN 'year' THEN k_month // 12 END;
CREATE OR REPLACE MACRO ltv_last_period(unit, s, t) AS CASE unit
  WHEN 'day' THEN date_diff('day', s, CAST(t AS DATE))
  WHEN 'week' THEN ltv_floordiv(date_diff('day', s, CAST(t AS DATE)), 7)
  WHEN 'month' THEN ltv_months_until(s, t)
  WHEN 'quarter' THEN ltv_floordiv(ltv_months_until(s, t), 3)
  WHEN 'year' THEN ltv_floordiv(ltv_months_until(s, t), 12) END;
-- Money arithmetic (SPEC §4 "summed exactly", no binary floating point). Money is carried as exact integer
-- counts of small units in HUGEINT, each measure at its own scale so no row ever needs a division:
--   amount a4 (10⁻⁴, from DECIMAL(18,4)), rate r10 (10⁻¹⁰), factor 1 − p/100 as f6 (10⁻⁶),
--   revenue = a4·r10 (10⁻¹⁴), proceeds = a4·f6·r10 (10⁻²⁰), net = a4·f6·f6·r10 (10⁻²⁶).
-- Sums stay exact; the only rounding is ltv_cents, where a value is written out. (DuckDB divides 128-bit
-- numbers slowly — about 1.5 µs — so multiplying per row and dividing per output cell is what keeps a
-- run fast.) A net-revenue sum must stay below 1.7 × 10¹² report-currency units; the matrix statement sums
-- four times a tenant's total, so a tenant's must stay below about 4.2 × 10¹¹ (README "Money is exact").
-- (DuckDB keeps DECIMAL(18,4) × 10000 at width 18, which overflows from 10¹⁰ on; widening to DECIMAL(38,4)
-- costs about 600 ns a value, so only amounts of 10⁹ and more take that way.)
CREATE OR REPLACE MACRO ltv_u4(x) AS CASE WHEN x > -1000000000 AND x < 1000000000 THEN CAST(x * 10000 AS BIGINT)
  ELSE CAST(CAST(x AS DECIMAL(38, 4)) * 10000 AS BIGINT) END;
CREATE OR REPLACE MACRO ltv_f6(pct) AS 1000000 - coalesce(ltv_u4(pct), 0);
CREATE OR REPLACE MACRO ltv_revenue(a4, r10) AS CAST(a4 AS HUGEINT) * r10;
CREATE OR REPLACE MACRO ltv_proceeds(a4, given4, commission, r10) AS CASE
  WHEN given4 IS NOT NULL THEN CAST(given4 AS HUGEINT) * 1000000 * r10
  ELSE CAST(a4 AS HUGEINT) * ltv_f6(commission) * r10 END;
CREATE OR REPLACE MACRO ltv_net(a4, proceeds4, net4, commission, tax, r10) AS CASE
  WHEN net4 IS NOT NULL THEN CAST(net4 AS HUGEINT) * 1000000000000 * r10
  WHEN proceeds4 IS NOT NULL THEN CAST(proceeds4 AS HUGEINT) * 1000000 * ltv_f6(tax) * r10
  ELSE CAST(a4 AS HUGEINT) * ltv_f6(commission) * ltv_f6(tax) * r10 END;
-- RevenueCat's commission and tax are both portions of the price (presets.ts): net = amount × (1 − c − t).
CREATE OR REPLACE MACRO ltv_net_portions(a4, commission, tax, r10) AS
  CAST(a4 AS HUGEINT) * (1000000 - coalesce(ltv_u4(commission), 0) - coalesce(ltv_u4(tax), 0)) * 1000000 * r10;
-- Units per cent of each measure (revenue 10⁻¹⁴ → 10¹², proceeds 10¹⁸, net 10²⁴).
CREATE OR REPLACE MACRO ltv_cent_revenue() AS CAST(1000000000000 AS HUGEINT);
CREATE OR REPLACE MACRO ltv_cent_proceeds() AS CAST(1000000000000000000 AS HUGEINT);
CREATE OR REPLACE MACRO ltv_cent_net() AS CAST(1000000000000000000000000 AS HUGEINT);
-- SPEC §4 rounding: round(s / d) half away from zero, exactly, for d > 0. A double gives the quotient to
-- within far less than one; the integer remainder then settles it (no 128-bit division).
CREATE OR REPLACE MACRO ltv_round_q(s, d) AS CAST(round(CAST(s AS DOUBLE) / CAST(d AS DOUBLE)) AS HUGEINT);
CREATE OR REPLACE MACRO ltv_round_fix(q, r, d) AS q + CASE
  WHEN 2 * r > d THEN 1 WHEN 2 * r < -d THEN -1
  WHEN 2 * r = d AND q >= 0 THEN 1 WHEN 2 * r = -d AND q <= 0 THEN -1 ELSE 0 END;
CREATE OR REPLACE MACRO ltv_div_round(s, d) AS ltv_round_fix(ltv_round_q(s, d), s - ltv_round_q(s, d) * d, d);
-- Money per customer in cents (HUGEINT): units s ÷ (n customers × units per cent).
CREATE OR REPLACE MACRO ltv_cents(s, n, per_cent) AS ltv_div_round(s, CAST(n AS HUGEINT) * per_cent);
-- Cents as the JSON number written out (an integer ÷ 100 rounds to the same double as the decimal text).
CREATE OR REPLACE MACRO ltv_money(cents) AS CAST(cents AS DOUBLE) / 100;
-- SPEC §4 linked refunds: part × refund ÷ payment (integers of any scale, payment ≠ 0), rounded half
-- away from zero to the part's unit; split so no product overflows. Refund rows only.
CREATE OR REPLACE MACRO ltv_prop(part, refund, payment) AS
  (part // payment) * refund + ltv_div_round_exact((part % payment) * refund, payment);
-- Reasons only (09_refund_checks.sql): report-currency units (10⁻¹⁴) as a plain number in the currency of
-- rate r10 (its payment's), to 4 decimals without trailing zeros (text, never summed).
CREATE OR REPLACE MACRO ltv_refund_text(units, r10) AS
  rtrim(rtrim(printf('%.4f', CAST(units AS DOUBLE) / CAST(r10 AS DOUBLE) / 10000), '0'), '.');
