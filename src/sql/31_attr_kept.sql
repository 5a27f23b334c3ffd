-- SPEC §6 attribute filters (the endpoint's filtered requests; a run has none): which of a published run's
-- attribute tuples they keep, as 23_matrix.sql binds it ($kept). OR within a filter's values, AND across
-- filters, case-insensitively; a missing value matches 'unknown'. Case-insensitive = equal after one fold,
-- lower(upper(x)), applied here to both sides (Unicode simple case mapping, one character to one: Greek
-- final and medial sigma fold alike, Turkish İ folds to i); a value always matches itself. A filter value is
-- first trimmed as ingest trims the values it matches (ltv_trim: Unicode white space at either end), so
-- "  padded  " matches the `padded` the run kept.
-- Params: $filter_columns VARCHAR[] and $filter_values VARCHAR[][] (parallel, not empty): a canonical
--   dimension column (FILTER_COLUMNS' in model.ts) and its values each, as the request sent them.
-- Reads attr_sets(attr_id, <dimensions>), attr_id numbered from 1 without gaps (queryRun.ts).
-- Output: one row, kept BOOLEAN[] (element i: attribute tuple i passes every filter).
WITH filters AS (
  SELECT name, list_transform(vals, v -> lower(upper(ltv_trim(v)))) AS vals
  FROM (SELECT unnest(CAST($filter_columns AS VARCHAR[])) AS name, unnest(CAST($filter_values AS VARCHAR[][])) AS vals)
),
passed AS (
  -- Per attribute tuple, how many filters its value passes.
  SELECT a.attr_id, count(f.name) AS n
  FROM attr_sets a LEFT JOIN filters f ON list_contains(f.vals, lower(upper(coalesce(CASE f.name
    WHEN 'product_id' THEN a.product_id WHEN 'duration' THEN a.duration WHEN 'store' THEN a.store
    WHEN 'country' THEN a.country WHEN 'paywall' THEN a.paywall WHEN 'paywalls_group' THEN a.paywalls_group
    WHEN 'audience' THEN a.audience WHEN 'placement' THEN a.placement WHEN 'offer_category' THEN a.offer_category
    WHEN 'offer_type' THEN a.offer_type WHEN 'offer_id' THEN a.offer_id WHEN 'attribution_source' THEN a.attribution_source
    WHEN 'attribution_status' THEN a.attribution_status WHEN 'attribution_channel' THEN a.attribution_channel
    WHEN 'attribution_campaign' THEN a.attribution_campaign WHEN 'attribution_adgroup' THEN a.attribution_adgroup
    WHEN 'attribution_adset' THEN a.attribution_adset WHEN 'attribution_creative' THEN a.attribution_creative END, 'unknown'))))
  GROUP BY a.attr_id
)
SELECT coalesce(list(n = (SELECT count(*) FROM filters) ORDER BY attr_id), []) AS kept FROM passed
