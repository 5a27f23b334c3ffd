-- SPEC §2 first payment and attributes. Reads payments (08), whose rows are exactly the payments at or
-- before T, and checked. The first payment is the earliest; ties: smallest transaction_id (then the
-- earlier row). Its dimension values are the customer's attributes. A hash aggregate finds the first
-- payment's row (arg_min of a row id, not a sort, and no wide struct through the aggregate); its
-- attributes are then read from checked by that row id.
-- Identifiers (buildFacts.ts): {{stored}} `c.<dimension>` for each dimension some input has, or
--   `NULL AS no_dimension` when none has; {{distinct}} those dimensions, for attr_sets; {{absent}} the
--   other dimensions as typed NULL constants (with a leading comma, or empty). An export without paywalls
--   carries no column of NULLs through this stage. {{candidates}} `WHERE renewal = 0` when every renewal
--   number was derived (08): a customer's first payment is the first of one of its products, which the
--   same order numbered 0; else empty.
-- Output: table first_payments(tenant_id, customer_id, t0 TIMESTAMPTZ, <stored dimensions>); table
--   attr_sets(<dimensions>, attr_id BIGINT): the distinct attribute tuples, numbered (in their order) so
--   that the large aggregation of 15_facts_all.sql groups by one integer instead of eighteen text columns.
CREATE OR REPLACE TEMP TABLE first_payments AS
WITH first AS (
  SELECT tenant_id, customer_id, arg_min(src_row, (event_time, transaction_id, src_row)) AS src_row, min(event_time) AS t0
  FROM payments
  {{candidates}}
  GROUP BY tenant_id, customer_id
)
SELECT f.tenant_id, f.customer_id, f.t0, {{stored}}
FROM first f
JOIN checked c ON c.row_id = f.src_row;
-- Numbered in the order of the dimension columns (NULL last, as ORDER BY puts it): a published file sorted
-- by attr_id is sorted by the attributes (25_published_facts.sql), and the numbers are the same every run.
CREATE OR REPLACE TEMP TABLE attr_sets AS
SELECT *, row_number() OVER (
  ORDER BY product_id, duration, store, country, paywall, paywalls_group, audience, placement, offer_category,
    offer_type, offer_id, attribution_source, attribution_status, attribution_channel, attribution_campaign,
    attribution_adgroup, attribution_adset, attribution_creative
) AS attr_id
FROM (SELECT DISTINCT {{distinct}}{{absent}} FROM first_payments)
