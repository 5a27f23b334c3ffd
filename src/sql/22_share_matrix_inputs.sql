-- The matrix statement's inputs (20_customers.sql, 21_facts.sql, 13_first_payments.sql's attr_sets) as
-- tables of the run's database, for a second connection to compute matrices beside the run's own
-- (computeRun.ts, small runs only): TEMP relations are seen by their connection alone. The run's connection
-- goes on reading its TEMP ones, which shadow these: the same rows.
-- Output: tables main.customers, main.facts, main.attr_sets (the TEMP relations' columns).
CREATE OR REPLACE TABLE main.customers AS FROM temp.main.customers;
CREATE OR REPLACE TABLE main.facts AS FROM temp.main.facts;
CREATE OR REPLACE TABLE main.attr_sets AS FROM temp.main.attr_sets;
