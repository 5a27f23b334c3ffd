-- Every tenant's customers, counted by cohort day and attribute tuple: the matrix query's `customers`
-- input (14_matrix.sql; 16_published_customers.sql adds the attributes for data/customers.parquet).
-- Reads customers_all (10_customers.sql). Output: table customers(tenant_id, cohort_day, attr_id, n BIGINT).
CREATE OR REPLACE TEMP TABLE customers AS
SELECT tenant_id, cohort_day, attr_id, count(*)::BIGINT AS n
FROM customers_all
GROUP BY ALL
