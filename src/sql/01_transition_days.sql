-- SPEC §4 DST: the days (days since 1970-01-01, UTC) on which the session time zone changes its UTC offset
-- (a fall-back repeats wall-clock time, a spring-forward skips some), and the day after (a repeated or
-- skipped hour can run past UTC midnight), from 1900 to 2100. The macros (02_macros.sql
-- ltv_near_transition) test a row's day against this short list before asking the time zone library.
-- One offset per day: 73,000 calls, once per warehouse. Output: one row, days BIGINT[] (sorted).
SELECT coalesce(list(DISTINCT x ORDER BY x), []) AS days
FROM (
  SELECT unnest([d, d + 1]) AS x
  FROM (
    SELECT d, epoch_us(CAST(make_timestamptz(d * 86400000000) AS TIMESTAMP)) - d * 86400000000 AS off
    FROM range(-25567, 47482) r(d)
    QUALIFY off <> lead(off) OVER (ORDER BY d)
  )
)
