-- Every money movement at T: the payments (08) and the refunds (09) in one shape. A view: the payments
-- are not copied once more. Output: view movements(tenant_id, customer_id, t, renewal, revenue, proceeds,
--   net_revenue, moved_at (when the money moved: t is when it counts, 11_movements.sql), is_payment, kind).
CREATE OR REPLACE TEMP VIEW movements AS
SELECT tenant_id, customer_id, event_time AS t, renewal, revenue, proceeds, net_revenue, event_time AS moved_at, TRUE AS is_payment, 'payment' AS kind
FROM payments
UNION ALL
SELECT * FROM refund_movements
