-- Every tenant's movements summed by cohort day, attribute tuple, age class and period indexes: the matrix
-- query's `facts` input in a run (23_matrix.sql groups by tenant_id). A view, not a copy, and without the
-- attribute columns: in a run the matrices read attributes only through attr_id (and filter on none);
-- 25_published_facts.sql adds them for data/facts.parquet.
-- Output: view facts(tenant_id, cohort_day, attr_id, age_class, k_day, k_month, renewal, revenue, proceeds,
--   net_revenue, payments).
CREATE OR REPLACE TEMP VIEW facts AS
SELECT tenant_id, cohort_day, attr_id, age_class, k_day, k_month, renewal, revenue, proceeds, net_revenue, payments
FROM facts_all
