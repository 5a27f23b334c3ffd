-- SPEC §4 "times are compared as instants", for the as-of time T: the latest wall-clock time w whose
-- instant (ltv_instant: a repeated time is its first occurrence) is ≤ T, as text. Comparing boundaries
-- s + k·unit (wall clock) with it gives the instant comparison: usually w is T's own wall clock; when T
-- is the second occurrence of its wall time, every wall time up to the end of the repeated hour has
-- passed as an instant, so w is the wall clock just before the transition X (found by the minute,
-- looking back at most a day). Params: $a (T, ISO 8601). Output: one row, local VARCHAR
-- ('YYYY-MM-DD HH:MM:SS.ffffff').
WITH q AS (
  SELECT t, ltv_local(t) AS tl, ltv_instant(ltv_local(t)) AS f
  FROM (SELECT CAST($a AS TIMESTAMPTZ) AS t)
),
x AS (
  -- The transition: the earliest whole minute after the first occurrence with T's own offset.
  SELECT min(y) AS x
  FROM (
    SELECT q.f, q.t, make_timestamptz(ltv_floordiv(epoch_us(q.t), 60000000) * 60000000 - i * 60000000) AS y
    FROM q, range(0, 1441) r(i)
    WHERE q.f < q.t
  )
  WHERE y > f AND epoch_us(ltv_local(y)) - epoch_us(y) = epoch_us(ltv_local(t)) - epoch_us(t)
)
SELECT strftime(CASE WHEN q.f < q.t THEN ltv_local(x.x - INTERVAL 1 MICROSECOND) ELSE q.tl END, '%Y-%m-%d %H:%M:%S.%f') AS local
FROM q, x
