-- SPEC §4 cells, censoring, Total and segment rows: LTV matrices of one period type and unit, for one or
-- more segmentations ("kinds") at once and for every tenant at once (each tenant's rows apart: tenant_id
-- is part of every grouping and join), over `facts` and `customers` (a run's relations, 20_customers.sql
-- and 21_facts.sql, or a published run's Parquet files with one tenant: the endpoint runs this same statement).
-- Params: $as_of_local (T on the report time zone's wall clock, text), $date_from/$date_to (first-payment
--   local dates, inclusive), $f_<key> VARCHAR[] (lower-cased filter values); each only when used;
--   $attr_kinds: the attribute segmentations computed (kinds), comma-separated, '' for none; always.
-- Also reads attr_sets(attr_id, <dimensions>): the attribute tuples that facts' and customers' attr_id
-- number (13_first_payments.sql in a run; rebuilt from the Parquet files by queryRun.ts).
-- Identifiers (closed lists, see computeMatrix.ts): {{where}} filters; {{j}} period index of a movement;
--   {{unit_cohort}} the cohort start by the period unit; {{unit_interval}} the period unit as an INTERVAL;
--   {{cust_kinds}} one SELECT per cohort or time kind giving tenant_id, kind, cohort (start DATE), cohort_end,
--   seg, n (or an empty SELECT); {{fx_kinds}} one per cohort or time kind giving tenant_id, kind, cohort,
--   seg, j and the sums (or an empty SELECT); {{K}} / {{Kc}} last shown / last complete period of a cohort;
--   {{max_renewal}} the highest renewal with a payment per (tenant, kind, cohort), or NULL (days type).
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
base_c_day AS (
  -- Rows that are cohorts (no segmentation, or a time segmentation) need no attributes.
  SELECT tenant_id, cohort_day, sum(n)::BIGINT AS n FROM customers WHERE {{where}} GROUP BY ALL
),
base_f_day AS (
  SELECT tenant_id, cohort_day, {{j}} AS j, sum(revenue) AS revenue, sum(proceeds) AS proceeds,
         sum(net_revenue) AS net_revenue, sum(payments) AS payments
  FROM facts WHERE {{where}} GROUP BY ALL
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
  FROM (SELECT tenant_id, {{unit_cohort}} AS cohort, attr_id, sum(n) AS n FROM customers WHERE {{where}} GROUP BY ALL) c
  JOIN attr_long l USING (attr_id)
  GROUP BY ALL
),
attr_fj AS (
  -- A segment row's movements by period over all its cohorts (its +x events) ...
  SELECT f.tenant_id, l.kind, l.seg, f.j, sum(f.revenue) AS revenue, sum(f.proceeds) AS proceeds, sum(f.net_revenue) AS net_revenue
  FROM (SELECT tenant_id, {{j}} AS j, attr_id, sum(revenue) AS revenue, sum(proceeds) AS proceeds, sum(net_revenue) AS net_revenue
        FROM facts WHERE {{where}} GROUP BY ALL) f
  JOIN attr_long l USING (attr_id)
  GROUP BY ALL
),
attr_fc AS (
  -- ... and by cohort over all periods (its −x closing events): never by cohort and period at once.
  SELECT f.tenant_id, l.kind, l.seg, f.cohort, sum(f.revenue) AS revenue, sum(f.proceeds) AS proceeds, sum(f.net_revenue) AS net_revenue
  FROM (SELECT tenant_id, {{unit_cohort}} AS cohort, attr_id, sum(revenue) AS revenue, sum(proceeds) AS proceeds,
               sum(net_revenue) AS net_revenue
        FROM facts WHERE {{where}} GROUP BY ALL) f
  JOIN attr_long l USING (attr_id)
  GROUP BY ALL
),
unit_max AS (
  -- renewals: the highest renewal with a payment per cohort by the period unit (a segment row's cohort
  -- shows what the whole cohort shows).
  SELECT tenant_id, {{unit_cohort}} AS cohort, max(j) FILTER (WHERE payments > 0) AS max_j FROM base_f_day GROUP BY ALL
),
cust AS (
  {{cust_kinds}}
  UNION ALL
  SELECT tenant_id, kind, cohort, CAST(cohort + {{unit_interval}} AS DATE) AS cohort_end, seg, n FROM attr_c
),
fx AS (
  -- Cohort and time kinds (a row is a cohort): tenant_id, kind, cohort, seg, j, sums.
  {{fx_kinds}}
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
cohorts AS (
  -- Shown is decided on the whole cohort after filters, before segmentation.
  SELECT tenant_id, kind, cohort, {{K}} AS K, {{Kc}} AS Kc
  FROM (
    SELECT c.tenant_id, c.kind, c.cohort, c.cohort_end, {{max_renewal}} AS max_renewal
    FROM (SELECT DISTINCT tenant_id, kind, cohort, cohort_end FROM cust) c
  )
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
  -- A row's cells are k ∈ [0, max K of its cohorts] where it has customers.
  SELECT r.tenant_id, r.kind, r.is_total, r.row_key, max(c.K) AS max_k
  FROM row_cohorts r JOIN cohorts c USING (tenant_id, kind, cohort) GROUP BY ALL
),
agg AS (
  -- The events by row and k inside the row's cells: a row's values change only at these k.
  SELECT e.tenant_id, e.kind, e.is_total, e.row_key, e.k, m.max_k, sum(e.revenue) AS revenue, sum(e.proceeds) AS proceeds,
         sum(e.net_revenue) AS net_revenue, sum(e.dn) AS dn, sum(e.dp) AS dp, sum(e.dpn) AS dpn
  FROM events e JOIN row_max m USING (tenant_id, kind, is_total, row_key)
  WHERE e.k BETWEEN 0 AND m.max_k
  GROUP BY ALL
),
runs AS (
  -- Running sums at the change points only: each holds from its k to the next change point (or the
  -- row's last period). Every row has an event at k = 0 (its customers), so its first run starts there.
  SELECT tenant_id, kind, is_total, row_key, k AS k_from, coalesce(lead(k) OVER w - 1, max_k) AS k_to,
    sum(revenue) OVER w AS revenue,
    sum(proceeds) OVER w AS proceeds,
    sum(net_revenue) OVER w AS net_revenue,
    sum(dn) OVER w AS customers,
    sum(dp) OVER w AS partial_cohorts,
    sum(dpn) OVER w AS partial_customers
  FROM agg
  WINDOW w AS (PARTITION BY tenant_id, kind, is_total, row_key ORDER BY k ROWS UNBOUNDED PRECEDING)
)
SELECT
  tenant_id, kind, is_total, row_key, k_from::INTEGER AS period_from, k_to::INTEGER AS period_to, customers::BIGINT AS customers,
  ltv_money(ltv_cents(revenue, customers, ltv_cent_revenue())) AS revenue,
  ltv_money(ltv_cents(proceeds, customers, ltv_cent_proceeds())) AS proceeds,
  ltv_money(ltv_cents(net_revenue, customers, ltv_cent_net())) AS net_revenue,
  partial_cohorts > 0 AS partial,
  (customers - partial_customers)::BIGINT AS complete_customers
FROM runs
WHERE customers > 0
ORDER BY tenant_id, kind, is_total DESC, row_key, k_from
