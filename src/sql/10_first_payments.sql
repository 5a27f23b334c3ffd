-- SPEC §2 first payment and attributes. Reads payments (08), whose rows are exactly the payments at or
-- before T, and checked. The first payment is the earliest; ties: smallest transaction_id (then the
-- earlier row). Its dimension values are the customer's attributes. A hash aggregate finds the first
-- payment's row (arg_min of a row id, not a sort, and no wide struct through the aggregate); its
-- attributes are then read from checked by that row id.
-- Output: table first_payments(tenant_id, customer_id, t0 TIMESTAMPTZ, <dimensions>); table
--   attr_sets(<dimensions>, attr_id BIGINT): the distinct attribute tuples, numbered so that the large
--   aggregation of 11_facts_all.sql groups by one integer instead of eighteen text columns.
CREATE OR REPLACE TEMP TABLE first_payments AS
WITH first AS (
  SELECT tenant_id, customer_id, arg_min(src_row, (event_time, transaction_id, src_row)) AS src_row, min(event_time) AS t0
  FROM payments
  GROUP BY tenant_id, customer_id
)
SELECT f.tenant_id, f.customer_id, f.t0, c.product_id, c.duration, c.store, c.country, c.paywall, c.paywalls_group, c.audience, c.placement, c.offer_category, c.offer_type, c.offer_id, c.attribution_source, c.attribution_status, c.attribution_channel, c.attribution_campaign, c.attribution_adgroup, c.attribution_adset, c.attribution_creative
FROM first f
JOIN checked c ON c.row_id = f.src_row;
CREATE OR REPLACE TEMP TABLE attr_sets AS
SELECT *, row_number() OVER () AS attr_id
FROM (SELECT DISTINCT product_id, duration, store, country, paywall, paywalls_group, audience, placement, offer_category, offer_type, offer_id, attribution_source, attribution_status, attribution_channel, attribution_campaign, attribution_adgroup, attribution_adset, attribution_creative FROM first_payments)
