-- SPEC §10 explorer: the values a §6 filter can take in a published run, with their customers.
-- Params: $customers (path of the run's data/customers.parquet).
-- Reads the attribute columns §6 filters match (FILTER_COLUMNS' distinct columns in model.ts; a test
-- compares the two lists).
-- Output: name (the attribute column), value (VARCHAR; 'unknown' for a missing one, which §6 filters
--   match as missing), customers BIGINT; most customers first, then value.
SELECT name, coalesce(value, 'unknown') AS value, sum(n)::BIGINT AS customers
FROM read_parquet($customers) UNPIVOT INCLUDE NULLS (value FOR name IN (
    product_id, duration, store, country, paywall, paywalls_group, audience, placement, offer_category,
    offer_type, offer_id, attribution_source, attribution_status, attribution_channel,
    attribution_campaign, attribution_adgroup, attribution_adset, attribution_creative))
GROUP BY ALL
ORDER BY name, customers DESC, value
