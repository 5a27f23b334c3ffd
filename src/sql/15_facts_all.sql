-- SPEC §4 periods, `days` type: a movement at local time t of a customer with first payment t0 lies in
-- period k when t0 + k·unit ≤ t < t0 + (k+1)·unit, unit added in local wall-clock time (DST-exact, month
-- ends clamped). k_day serves units day and week (k_week = k_day // 7, since t0 + 7k days = t0 + k weeks);
-- k_month serves month, quarter, year (t0 + n months is monotone in n, so k_quarter = k_month // 3).
-- Boundaries are compared with t as instants (ltv_k_days/ltv_k_months, 02_macros.sql: a boundary in a
-- repeated hour is its first occurrence). Movements before t0 (an unlinked refund) count in every period:
-- clamped to 0.
-- Every tenant's movements, joined once to their customer and summed by cohort day, attributes, age class
-- and period indexes (21_facts.sql makes the matrices' view of it). The sums group by the attribute
-- tuple's number (attr_sets, 13_first_payments.sql): the table stays narrow, and the matrices join the
-- attributes (a few hundred rows) as they read it.
-- Output: table facts_all(tenant_id, cohort_day, attr_id, age_class, k_day, k_month, renewal, revenue,
--   proceeds, net_revenue (exact sums), payments BIGINT (renewals-type censoring looks only at payments)).
CREATE OR REPLACE TEMP TABLE facts_all AS
WITH m AS (
  SELECT m.tenant_id, m.t, ltv_local(m.t) AS tl, m.renewal, m.revenue, m.proceeds, m.net_revenue, m.is_payment,
    c.t0_local, c.cohort_day, c.age_class, c.attr_id
  FROM movements m
  JOIN customers_all c USING (tenant_id, customer_id)
),
sums AS (
  SELECT
    tenant_id, cohort_day, attr_id, age_class,
    greatest(ltv_k_days(t0_local, tl, t), 0)::INTEGER AS k_day,
    greatest(ltv_k_months(t0_local, tl, t), 0)::INTEGER AS k_month,
    renewal,
    sum(revenue) AS revenue, sum(proceeds) AS proceeds, sum(net_revenue) AS net_revenue,
    count(*) FILTER (WHERE is_payment)::BIGINT AS payments
  FROM m
  GROUP BY ALL
)
SELECT * FROM sums
