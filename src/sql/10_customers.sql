-- SPEC §2 first payment, cohort, attributes. Params: $as_of (ISO 8601 text).
-- Output: table customers_all(tenant_id, customer_id, t0 TIMESTAMPTZ, t0_local TIMESTAMP, cohort_day DATE,
--   <dimensions>): the earliest payment (amount > 0, not sandbox) at or before T; ties: smallest
--   transaction_id (then the earlier row). Its dimension values are the customer's attributes. A hash
--   aggregate with arg_min, not a sort.
CREATE OR REPLACE TEMP TABLE customers_all AS
SELECT
  tenant_id, customer_id, f.t0, CAST(f.t0 AS TIMESTAMP) AS t0_local, CAST(CAST(f.t0 AS TIMESTAMP) AS DATE) AS cohort_day,
  f.product_id,
  f.duration,
  f.store,
  f.country,
  f.paywall,
  f.paywalls_group,
  f.audience,
  f.placement,
  f.offer_category,
  f.offer_type,
  f.offer_id,
  f.attribution_source,
  f.attribution_status,
  f.attribution_channel,
  f.attribution_campaign,
  f.attribution_adgroup,
  f.attribution_adset,
  f.attribution_creative
FROM (
  SELECT tenant_id, customer_id,
    arg_min({t0: event_time, product_id: product_id, duration: duration, store: store, country: country, paywall: paywall, paywalls_group: paywalls_group, audience: audience, placement: placement, offer_category: offer_category, offer_type: offer_type, offer_id: offer_id, attribution_source: attribution_source, attribution_status: attribution_status, attribution_channel: attribution_channel, attribution_campaign: attribution_campaign, attribution_adgroup: attribution_adgroup, attribution_adset: attribution_adset, attribution_creative: attribution_creative}, (event_time, transaction_id, src_row)) AS f
  FROM deduped
  WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount > 0
  GROUP BY tenant_id, customer_id
)
