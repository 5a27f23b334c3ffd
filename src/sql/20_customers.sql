-- Every tenant's customers, counted by cohort day and attribute tuple: the matrix query's `customers`
-- input (23_matrix.sql; 26_published_customers.sql adds the attributes for data/customers.parquet).
-- Reads customers_all (14_customers_all.sql). Output: table customers(tenant_id, cohort_day, attr_id, n BIGINT).
CREATE OR REPLACE TEMP TABLE customers AS
SELECT tenant_id, cohort_day, attr_id, count(*)::BIGINT AS n
FROM customers_all
GROUP BY ALL
