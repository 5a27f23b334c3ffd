-- One tenant's movements summed by cohort day, attribute tuple, age class and period indexes (the matrix
-- query's `facts` input in a run). A view, not a copy, and without the attribute columns: in a run the
-- matrices read attributes only through attr_id (and filter on none); 13_published_facts.sql adds them
-- for data/facts.parquet. The tenant comes from table current_tenant(t) (a view takes no bound parameters).
-- Output: view facts(cohort_day, attr_id, age_class, k_day, k_month, renewal, revenue, proceeds,
--   net_revenue, payments).
CREATE OR REPLACE TEMP VIEW facts AS
SELECT cohort_day, attr_id, age_class, k_day, k_month, renewal, revenue, proceeds, net_revenue, payments
FROM facts_all
WHERE tenant_id = (SELECT t FROM current_tenant)
