// A small export for the email tests: four monthly cohorts (Dec 2025 … Mar 2026) with renewals and a
// refund, so the heatmap has complete and partial cells and the summary has 30- and 90-day values.
import type { JobInput } from '../../src/config/jobSchema.js';
import type { SmtpSettings } from '../../src/notify/smtpSettings.js';
import { csv } from './runFixture.js';

export const AS_OF = '2026-03-16T15:00:00Z';
export const TENANT = 'Acme <Shop> & "Co"';

export const EXPORT_CSV = csv('customer_id,event_time,amount,transaction_id,country', [
  ['a', '2025-12-02T10:00:00Z', '10', 't1', 'US'],
  ['a', '2026-01-02T10:00:00Z', '10', 't2', 'US'],
  ['a', '2026-02-02T10:00:00Z', '10', 't3', 'US'],
  ['b', '2025-12-20T10:00:00Z', '30', 't4', 'DE'],
  ['b', '2026-01-05T10:00:00Z', '-30', 't5', 'DE'],
  ['c', '2026-01-10T10:00:00Z', '12.5', 't6', 'US'],
  ['c', '2026-02-10T10:00:00Z', '12.5', 't7', 'US'],
  ['d', '2026-02-14T10:00:00Z', '99', 't8', 'FR'],
  ['e', '2026-03-01T10:00:00Z', '5', 't9', 'US'],
]);

export function emailJob(email: Partial<NonNullable<JobInput['email']>> = {}): JobInput {
  return {
    tenant: TENANT,
    inputs: [{ path: 'e.csv' }],
    email: { to: ['finance@example.com'], cc: ['ceo@example.com'], ops: ['ops@example.com'], ...email },
  };
}

export function testSettings(url: string, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    url,
    from: '"LTV reports" <reports@example.com>',
    tls: { rejectUnauthorized: true, caFile: null },
    requireTls: false,
    timeoutMs: 2_000,
    deadlineMs: 5_000,
    backoffMs: 20,
    backoffMaxMs: 200,
    dryRun: false,
    ...overrides,
  };
}
