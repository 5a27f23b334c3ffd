-- SPEC §4 cells, censoring, Total and segment rows: LTV matrices of one period type and unit, for one or
-- more segmentations ("kinds") at once and for every tenant at once (each tenant's rows apart: tenant_id
-- is part of every grouping and join), over `facts` and `customers` (a run's relations, 20_customers.sql
-- and 21_facts.sql, or a published run's Parquet files with one tenant: the endpoint runs this same statement).
-- Fixed text: the period type and unit, the segmentations and the filters are bound values (DuckDB plans
-- a statement with its values, so a bound unit is a constant there and only its own branch runs).
-- Params: $period_type 'days' | 'renewals'; $unit the period unit, 'day' … 'year'; $as_of_local T on the
--   report time zone's wall clock (text); $time_kinds / $attr_kinds the segmentations ("kinds") computed,
--   comma-separated, '' for none: cohort and time kinds ('cohort': rows are cohorts by $unit; 'day' … 'year':
--   cohorts by that unit) and attribute kinds (SEGMENT_COLUMNS in model.ts; product reads product_id);
--   $date_from/$date_to the first payments' local dates kept (inclusive), or NULL for every date;
--   $kept BOOLEAN[]: whether the attribute filters (SPEC §6) keep attribute tuple i (attr_id i, from 1),
--   31_attr_kept.sql's answer, or NULL when there are none (then no row pays for them).
-- Also reads attr_sets(attr_id, <dimensions>): the attribute tuples that facts' and customers' attr_id
-- number (13_first_payments.sql in a run; rebuilt from the Parquet files by queryRun.ts).
-- Output: runs of equal cells, tenant_id, kind, is_total, row_key, period_from, period_to (inclusive), customers BIGINT,
--   revenue/proceeds/net_revenue (per customer, rounded to cents), partial BOOLEAN, complete_customers
--   BIGINT (the cell's customers in cohorts for which the period is complete: how much of a Total or
--   segment cell is final): the cells of periods period_from..period_to all hold these values; ordered by
--   tenant_id, kind, Total first, row_key, period_from.
--
-- How: a row's value at k sums, over the cohorts where k is shown (k ≤ K(c)), the movements with j ≤ k,
-- and divides by those cohorts' customers. Each movement adds to k ∈ [j, K(c)] and each customer to
-- k ∈ [0, K(c)]: +x at the start, −x at K(c)+1, then one running sum over k gives every cell. The sum
-- is taken at the k where some event falls only: a day-unit matrix has ~12 times more cells than events,
-- and the cells between two events repeat the earlier one (the caller expands the runs). The −x of
-- a row's cohort are summed over j first (one event per row and cohort, not per movement period); a
-- segment row's +x are summed over its cohorts (one per row and period). Attribute segmentations are data,
-- not SQL: the run's attribute tuples in long form (attr_long: one row per tuple and kind computed), joined
-- to sums by attribute tuple (an integer) rather than to facts' text columns, and summed in one GROUP BY
-- for every kind at once (8 GROUPING SETS cost ~0.6 s of fixed set-up per statement even on a tiny tenant).
WITH
-- The rows the filters keep. NOT MATERIALIZED: each reader scans and groups them itself (DuckDB would
-- otherwise store a relation read more than once, a copy of every facts row).
customers_kept AS NOT MATERIALIZED (
  SELECT * FROM customers
  WHERE (CAST($date_from AS DATE) IS NULL OR cohort_day BETWEEN CAST($date_from AS DATE) AND CAST($date_to AS DATE))
    AND (CAST($kept AS BOOLEAN[]) IS NULL OR list_extract(CAST($kept AS BOOLEAN[]), attr_id))
),
facts_kept AS NOT MATERIALIZED (
  SELECT tenant_id, cohort_day, attr_id, CASE WHEN $period_type = 'renewals' THEN renewal ELSE ltv_period_index($unit, k_day, k_month) END AS j,
    revenue, proceeds, net_revenue, payments
  FROM facts
  WHERE (CAST($date_from AS DATE) IS NULL OR cohort_day BETWEEN CAST($date_from AS DATE) AND CAST($date_to AS DATE))
    AND (CAST($kept AS BOOLEAN[]) IS NULL OR list_extract(CAST($kept AS BOOLEAN[]), attr_id))
),
base_c_day AS (
  -- Rows that are cohorts (no segmentation, or a time segmentation) need no attributes.
  SELECT tenant_id, cohort_day, sum(n)::BIGINT AS n FROM customers_kept GROUP BY ALL
),
base_f_day AS (
  SELECT tenant_id, cohort_day, j, sum(revenue) AS revenue, sum(proceeds) AS proceeds,
         sum(net_revenue) AS net_revenue, sum(payments) AS payments
  FROM facts_kept GROUP BY ALL
),
time_kinds AS (
  -- The cohort and time kinds computed, each with the unit its rows' cohorts are made by.
  SELECT kind, CASE kind WHEN 'cohort' THEN CAST($unit AS VARCHAR) ELSE kind END AS unit
  FROM (SELECT unnest(string_split(CAST($time_kinds AS VARCHAR), ',')) AS kind)
  WHERE kind <> ''
),
kind_days AS (
  -- Each cohort day's cohort under each time kind (a few thousand rows, so the unit is read once a day).
  SELECT k.kind, d.cohort_day, ltv_unit_start(k.unit, d.cohort_day) AS cohort, ltv_unit_next(k.unit, ltv_unit_start(k.unit, d.cohort_day)) AS cohort_end
  FROM (SELECT DISTINCT cohort_day FROM base_c_day) d CROSS JOIN time_kinds k
),
attr_long AS (
  -- Each attribute tuple once per attribute kind computed, with its value there (`unknown` when absent).
  -- The kinds are the segmentation names (SEGMENT_COLUMNS in model.ts; store_product_id is product).
  SELECT attr_id, kind, coalesce(seg, 'unknown') AS seg
  FROM (
    SELECT attr_id,
      unnest(['country', 'product', 'paywall', 'paywalls_group', 'audience', 'placement', 'duration', 'store']) AS kind,
      unnest([country, product_id, paywall, paywalls_group, audience, placement, duration, store]) AS seg
    FROM attr_sets
  )
  WHERE list_contains(string_split(CAST($attr_kinds AS VARCHAR), ','), kind)
),
attr_c AS (
  -- Segment rows use cohorts by the period unit. The customers are first counted by attribute tuple (an
  -- integer), then joined to its values.
  SELECT c.tenant_id, l.kind, c.cohort, l.seg, sum(c.n)::BIGINT AS n
  FROM (SELECT tenant_id, ltv_unit_start($unit, cohort_day) AS cohort, attr_id, sum(n) AS n FROM customers_kept GROUP BY ALL) c
  JOIN attr_long l USING (attr_id)
  GROUP BY ALL
),
attr_fj AS (
  -- A segment row's movements by period over all its cohorts (its +x events) ...
  SELECT f.tenant_id, l.kind, l.seg, f.j, sum(f.revenue) AS revenue, sum(f.proceeds) AS proceeds, sum(f.net_revenue) AS net_revenue
  FROM (SELECT tenant_id, j, attr_id, sum(revenue) AS revenue, sum(proceeds) AS proceeds, sum(net_revenue) AS net_revenue
        FROM facts_kept GROUP BY ALL) f
  JOIN attr_long l USING (attr_id)
  GROUP BY ALL
),
attr_fc AS (
  -- ... and by cohort over all periods (its −x closing events): never by cohort and period at once.
  SELECT f.tenant_id, l.kind, l.seg, f.cohort, sum(f.revenue) AS revenue, sum(f.proceeds) AS proceeds, sum(f.net_revenue) AS net_revenue
  FROM (SELECT tenant_id, ltv_unit_start($unit, cohort_day) AS cohort, attr_id, sum(revenue) AS revenue, sum(proceeds) AS proceeds,
               sum(net_revenue) AS net_revenue
        FROM facts_kept GROUP BY ALL) f
  JOIN attr_long l USING (attr_id)
  GROUP BY ALL
),
cust AS (
  -- Cohort and time kinds (a row is a cohort) ...
  SELECT tenant_id, kind, cohort, cohort_end, strftime(cohort, '%Y-%m-%d') AS seg, n
  FROM (SELECT b.tenant_id, d.kind, d.cohort, d.cohort_end, sum(b.n)::BIGINT AS n
        FROM base_c_day b JOIN kind_days d USING (cohort_day) GROUP BY ALL)
  UNION ALL
  -- ... and attribute kinds (a row is an attribute value).
  SELECT tenant_id, kind, cohort, ltv_unit_next($unit, cohort) AS cohort_end, seg, n FROM attr_c
),
fx AS (
  -- Cohort and time kinds: tenant_id, kind, cohort, seg, j, sums.
  SELECT tenant_id, kind, cohort, strftime(cohort, '%Y-%m-%d') AS seg, j, revenue, proceeds, net_revenue, payments
  FROM (SELECT b.tenant_id, d.kind, d.cohort, b.j, sum(b.revenue) AS revenue, sum(b.proceeds) AS proceeds,
               sum(b.net_revenue) AS net_revenue, sum(b.payments) AS payments
        FROM base_f_day b JOIN kind_days d USING (cohort_day) GROUP BY b.tenant_id, d.kind, d.cohort, b.j)
),
fxj AS (
  SELECT tenant_id, kind, seg, j, revenue, proceeds, net_revenue FROM fx
  UNION ALL
  SELECT tenant_id, kind, seg, j, revenue, proceeds, net_revenue FROM attr_fj
),
fxc AS (
  SELECT tenant_id, kind, seg, cohort, sum(revenue) AS revenue, sum(proceeds) AS proceeds, sum(net_revenue) AS net_revenue
  FROM fx GROUP BY tenant_id, kind, seg, cohort
  UNION ALL
  SELECT tenant_id, kind, seg, cohort, revenue, proceeds, net_revenue FROM attr_fc
),
fx_max AS (
  -- renewals: the highest renewal with a payment per cohort of a cohort or time kind ...
  SELECT tenant_id, kind, cohort, max(j) FILTER (WHERE payments > 0) AS max_j
  FROM fx WHERE $period_type = 'renewals' GROUP BY ALL
),
unit_max AS (
  -- ... and per cohort by the period unit (a segment row's cohort shows what the whole cohort shows).
  SELECT tenant_id, ltv_unit_start($unit, cohort_day) AS cohort, max(j) FILTER (WHERE payments > 0) AS max_j
  FROM base_f_day WHERE $period_type = 'renewals' GROUP BY ALL
),
cohorts AS (
  -- Shown is decided on the whole cohort after filters, before segmentation: K, the last period shown,
  -- and Kc, the last complete one. Complete (SPEC §4): the cohort's end e (exclusive) + (k+1)·unit ≤ T,
  -- i.e. k ≤ last period from e − 1. `renewals` has no calendar end: every shown cell but the highest
  -- renewal (still filling) is complete.
  SELECT c.tenant_id, c.kind, c.cohort,
    CASE WHEN $period_type = 'renewals' THEN coalesce(fm.max_j, um.max_j)
      ELSE ltv_last_period($unit, c.cohort, CAST($as_of_local AS TIMESTAMP)) END AS K,
    CASE WHEN $period_type = 'renewals' THEN coalesce(fm.max_j, um.max_j) - 1
      ELSE ltv_last_period($unit, c.cohort_end, CAST($as_of_local AS TIMESTAMP)) - 1 END AS Kc
  FROM (SELECT DISTINCT tenant_id, kind, cohort, cohort_end FROM cust) c
  LEFT JOIN fx_max fm USING (tenant_id, kind, cohort)
  LEFT JOIN unit_max um USING (tenant_id, cohort)
),
row_cohorts AS (
  SELECT tenant_id, kind, FALSE AS is_total, seg AS row_key, cohort, n FROM cust
  UNION ALL
  SELECT tenant_id, kind, TRUE, '', cohort, sum(n)::BIGINT FROM cust GROUP BY tenant_id, kind, cohort
),
row_fx AS (
  -- Movements by row and period (+x at j) ...
  SELECT tenant_id, kind, FALSE AS is_total, seg AS row_key, j, revenue, proceeds, net_revenue FROM fxj
  UNION ALL
  SELECT tenant_id, kind, TRUE, '', j, sum(revenue), sum(proceeds), sum(net_revenue) FROM fxj GROUP BY tenant_id, kind, j
),
row_fx_cohort AS (
  -- ... and by row and cohort (−x once the cohort stops being shown).
  SELECT tenant_id, kind, FALSE AS is_total, seg AS row_key, cohort, revenue, proceeds, net_revenue FROM fxc
  UNION ALL
  SELECT tenant_id, kind, TRUE, '', cohort, sum(revenue), sum(proceeds), sum(net_revenue) FROM fxc GROUP BY tenant_id, kind, cohort
),
events AS (
  SELECT tenant_id, kind, is_total, row_key, j AS k, revenue, proceeds, net_revenue, 0::BIGINT AS dn, 0 AS dp, 0::BIGINT AS dpn FROM row_fx
  UNION ALL
  SELECT f.tenant_id, f.kind, f.is_total, f.row_key, c.K + 1, -f.revenue, -f.proceeds, -f.net_revenue, 0, 0, 0
  FROM row_fx_cohort f JOIN cohorts c USING (tenant_id, kind, cohort)
  UNION ALL
  SELECT tenant_id, kind, is_total, row_key, 0, 0, 0, 0, n, 0, 0 FROM row_cohorts
  UNION ALL
  SELECT r.tenant_id, r.kind, r.is_total, r.row_key, c.K + 1, 0, 0, 0, -r.n, 0, 0 FROM row_cohorts r JOIN cohorts c USING (tenant_id, kind, cohort)
  UNION ALL
  -- Partial cells: a cohort is partial at k ∈ [Kc+1, K] (dp counts the cohorts, dpn their customers).
  SELECT r.tenant_id, r.kind, r.is_total, r.row_key, greatest(c.Kc + 1, 0), 0, 0, 0, 0, 1, r.n
  FROM row_cohorts r JOIN cohorts c USING (tenant_id, kind, cohort) WHERE c.Kc < c.K
  UNION ALL
  SELECT r.tenant_id, r.kind, r.is_total, r.row_key, c.K + 1, 0, 0, 0, 0, -1, -r.n
  FROM row_cohorts r JOIN cohorts c USING (tenant_id, kind, cohort) WHERE c.Kc < c.K
),
row_max AS (
  -- A row's cells are k ∈ [0, max K of its cohorts] where it has customers; rid numbers the rows in the
  -- output's order, so the large grouping, window and sort below key on integers, not text.
  SELECT *, row_number() OVER (ORDER BY tenant_id, kind, is_total DESC, row_key) AS rid
  FROM (
    SELECT r.tenant_id, r.kind, r.is_total, r.row_key, max(c.K) AS max_k
    FROM row_cohorts r JOIN cohorts c USING (tenant_id, kind, cohort) GROUP BY ALL
  )
),
agg AS (
  -- The events by row and k inside the row's cells: a row's values change only at these k.
  SELECT m.rid, e.k, sum(e.revenue) AS revenue, sum(e.proceeds) AS proceeds,
         sum(e.net_revenue) AS net_revenue, sum(e.dn) AS dn, sum(e.dp) AS dp, sum(e.dpn) AS dpn
  FROM events e JOIN row_max m USING (tenant_id, kind, is_total, row_key)
  WHERE e.k BETWEEN 0 AND m.max_k
  GROUP BY m.rid, e.k
),
runs AS (
  -- Running sums at the change points only: each holds from its k to the next change point (or the
  -- row's last period). Every row has an event at k = 0 (its customers), so its first run starts there.
  SELECT rid, k AS k_from, lead(k) OVER w - 1 AS k_next,
    sum(revenue) OVER w AS revenue,
    sum(proceeds) OVER w AS proceeds,
    sum(net_revenue) OVER w AS net_revenue,
    sum(dn) OVER w AS customers,
    sum(dp) OVER w AS partial_cohorts,
    sum(dpn) OVER w AS partial_customers
  FROM agg
  WINDOW w AS (PARTITION BY rid ORDER BY k ROWS UNBOUNDED PRECEDING)
)
SELECT
  m.tenant_id, m.kind, m.is_total, m.row_key, r.k_from::INTEGER AS period_from, coalesce(r.k_next, m.max_k)::INTEGER AS period_to, r.customers::BIGINT AS customers,
  ltv_money(ltv_cents(r.revenue, r.customers, ltv_cent_revenue())) AS revenue,
  ltv_money(ltv_cents(r.proceeds, r.customers, ltv_cent_proceeds())) AS proceeds,
  ltv_money(ltv_cents(r.net_revenue, r.customers, ltv_cent_net())) AS net_revenue,
  r.partial_cohorts > 0 AS partial,
  (r.customers - r.partial_customers)::BIGINT AS complete_customers
FROM runs r JOIN row_max m USING (rid)
WHERE r.customers > 0
ORDER BY r.rid, r.k_from
