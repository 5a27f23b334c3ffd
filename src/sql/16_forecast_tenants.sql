-- SPEC §9 forecasts: the tenants a run forecasts, numbered, each with its backtest's cutoff C (T − its
-- holdout, which depends on its own history; forecastData.ts computes it): what the forecast's reads
-- (17_forecast_customers.sql, 18_forecast_subscribers.sql, 19_forecast_realized.sql) join, so each reads
-- every tenant in one pass instead of one statement per tenant (a run of 200 small shops made 1,000).
-- Rows are inserted with bound parameters after this statement.
-- Output: table forecast_tenants(tenant_no INTEGER, tenant_id VARCHAR, backtest TIMESTAMPTZ).
CREATE OR REPLACE TEMP TABLE forecast_tenants (tenant_no INTEGER, tenant_id VARCHAR, backtest TIMESTAMPTZ)
