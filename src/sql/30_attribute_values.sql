-- SPEC §10 explorer: the values a §6 filter can take in a published run, with their customers.
-- Params: $customers (path of the run's data/customers.parquet).
-- Identifiers (closed list, FILTER_COLUMNS' distinct columns): {{columns}} the attribute columns, quoted.
-- Output: name (the attribute column), value (VARCHAR; 'unknown' for a missing one, which §6 filters
--   match as missing), customers BIGINT; most customers first, then value.
WITH c AS (SELECT {{columns}}, n FROM read_parquet($customers))
SELECT name, coalesce(value, 'unknown') AS value, sum(n)::BIGINT AS customers
FROM c UNPIVOT INCLUDE NULLS (value FOR name IN ({{columns}}))
GROUP BY ALL
ORDER BY name, customers DESC, value
