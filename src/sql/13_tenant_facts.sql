-- One tenant's movements summed by cohort day, attributes, age class and period indexes (the matrix
-- query's `facts` input; published as data/facts.parquet). Params: $tenant. Reads facts_all (11).
-- Output: cohort_day, <dimensions>, age_class, k_day, k_month, renewal, revenue, proceeds, net_revenue,
--   payments.
CREATE OR REPLACE TEMP TABLE facts AS
SELECT * EXCLUDE (tenant_id)
FROM facts_all
WHERE tenant_id = $tenant
