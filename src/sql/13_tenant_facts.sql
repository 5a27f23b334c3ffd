-- One tenant's movements summed by cohort day, attributes, age class and period indexes (the matrix
-- query's `facts` input; published as data/facts.parquet). A view, not a copy: facts_all (11) is narrow
-- (an attribute tuple's number), and each matrix statement joins the attributes, a few hundred rows, as
-- it reads. The tenant comes from table current_tenant(t) (a view takes no bound parameters).
-- Output: view facts(cohort_day, <dimensions>, attr_id, age_class, k_day, k_month, renewal, revenue, proceeds,
--   net_revenue, payments).
CREATE OR REPLACE TEMP VIEW facts AS
SELECT
  f.cohort_day, a.product_id, a.duration, a.store, a.country, a.paywall, a.paywalls_group, a.audience,
  a.placement, a.offer_category, a.offer_type, a.offer_id, a.attribution_source, a.attribution_status,
  a.attribution_channel, a.attribution_campaign, a.attribution_adgroup, a.attribution_adset,
  a.attribution_creative, f.attr_id, f.age_class, f.k_day, f.k_month, f.renewal, f.revenue, f.proceeds,
  f.net_revenue, f.payments
FROM facts_all f
JOIN attr_sets a USING (attr_id)
WHERE f.tenant_id = (SELECT t FROM current_tenant)
