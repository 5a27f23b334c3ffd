-- SPEC §4 cells, censoring, Total and segment rows: one LTV matrix over `facts` and `customers` (a run's
-- tables, or views over a published run's Parquet files — the endpoint runs this same statement).
-- Params: $as_of_local TIMESTAMP (T on the report time zone's wall clock), $date_from/$date_to DATE
--   (first-payment local dates, inclusive; NULL = open), $f_<key> VARCHAR[] (lower-cased filter values).
-- Identifiers (closed lists, see computeMatrix.ts): {{cohort}} cohort start from cohort_day; {{seg}} row key;
--   {{j}} period index of a movement; {{K}} / {{Kc}} last shown / last complete period of a cohort;
--   {{where}} filters.
-- Output: is_total, row_key, period, customers BIGINT, revenue/proceeds/net_revenue (per customer, cents),
--   revenue_total (sum), partial BOOLEAN. Rows: Total first, then row_key; periods ascending.
--
-- How: a row's value at k sums, over the cohorts where k is shown (k ≤ K(c)), the movements with j ≤ k,
-- and divides by those cohorts' customers. Each movement contributes to k ∈ [j, K(c)] and each customer
-- to k ∈ [0, K(c)]: +x at the start, −x at K(c)+1, then a running sum over k gives every cell at once.
WITH
cust AS (
  SELECT {{cohort}} AS cohort, {{seg}} AS seg, sum(n)::BIGINT AS n
  FROM customers WHERE {{where}} GROUP BY ALL
),
fx AS (
  SELECT {{cohort}} AS cohort, {{seg}} AS seg, {{j}} AS j,
         sum(revenue) AS revenue, sum(proceeds) AS proceeds, sum(net_revenue) AS net_revenue,
         sum(payments) AS payments
  FROM facts WHERE {{where}} GROUP BY ALL
),
cohorts AS (
  -- Shown is decided on the whole cohort after filters, before segmentation.
  SELECT cohort, {{K}} AS K, {{Kc}} AS Kc
  FROM (SELECT cohort, max(j) FILTER (WHERE payments > 0) AS max_renewal FROM fx GROUP BY cohort)
),
row_cohorts AS (
  SELECT FALSE AS is_total, seg AS row_key, cohort, n FROM cust
  UNION ALL
  SELECT TRUE, '', cohort, sum(n)::BIGINT FROM cust GROUP BY cohort
),
row_fx AS (
  SELECT FALSE AS is_total, seg AS row_key, cohort, j, revenue, proceeds, net_revenue FROM fx
  UNION ALL
  SELECT TRUE, '', cohort, j, sum(revenue), sum(proceeds), sum(net_revenue) FROM fx GROUP BY cohort, j
),
events AS (
  SELECT is_total, row_key, j AS k, revenue, proceeds, net_revenue, 0::BIGINT AS dn, 0 AS dp FROM row_fx
  UNION ALL
  SELECT f.is_total, f.row_key, c.K + 1, -f.revenue, -f.proceeds, -f.net_revenue, 0, 0
  FROM row_fx f JOIN cohorts c USING (cohort)
  UNION ALL
  SELECT r.is_total, r.row_key, 0, 0, 0, 0, r.n, 0 FROM row_cohorts r
  UNION ALL
  SELECT r.is_total, r.row_key, c.K + 1, 0, 0, 0, -r.n, 0 FROM row_cohorts r JOIN cohorts c USING (cohort)
  UNION ALL
  -- Partial cells: a cohort is partial at k ∈ [Kc+1, K].
  SELECT r.is_total, r.row_key, greatest(c.Kc + 1, 0), 0, 0, 0, 0, 1
  FROM row_cohorts r JOIN cohorts c USING (cohort) WHERE c.Kc < c.K
  UNION ALL
  SELECT r.is_total, r.row_key, c.K + 1, 0, 0, 0, 0, -1
  FROM row_cohorts r JOIN cohorts c USING (cohort) WHERE c.Kc < c.K
),
agg AS (
  SELECT is_total, row_key, k, sum(revenue) AS revenue, sum(proceeds) AS proceeds,
         sum(net_revenue) AS net_revenue, sum(dn) AS dn, sum(dp) AS dp
  FROM events GROUP BY ALL
),
grid AS (
  SELECT is_total, row_key, unnest(range(0, max_k + 1)) AS k
  FROM (SELECT r.is_total, r.row_key, max(c.K) AS max_k FROM row_cohorts r JOIN cohorts c USING (cohort) GROUP BY ALL)
),
cum AS (
  SELECT g.is_total, g.row_key, g.k,
    sum(coalesce(a.revenue, 0)) OVER w AS revenue,
    sum(coalesce(a.proceeds, 0)) OVER w AS proceeds,
    sum(coalesce(a.net_revenue, 0)) OVER w AS net_revenue,
    sum(coalesce(a.dn, 0)) OVER w AS customers,
    sum(coalesce(a.dp, 0)) OVER w AS partial_cohorts
  FROM grid g LEFT JOIN agg a ON a.is_total = g.is_total AND a.row_key = g.row_key AND a.k = g.k
  WINDOW w AS (PARTITION BY g.is_total, g.row_key ORDER BY g.k ROWS UNBOUNDED PRECEDING)
)
SELECT
  is_total, row_key, k::INTEGER AS period, customers::BIGINT AS customers,
  ltv_per_customer(revenue, customers) AS revenue,
  ltv_per_customer(proceeds, customers) AS proceeds,
  ltv_per_customer(net_revenue, customers) AS net_revenue,
  CAST(revenue AS DECIMAL(38, 2)) AS revenue_total,
  partial_cohorts > 0 AS partial
FROM cum
WHERE customers > 0
ORDER BY is_total DESC, row_key, k
