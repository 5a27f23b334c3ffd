// A tenant with no paying customer at all (its only row is of amount 0, counted without money): the email's subject
// and text say so, and so does the workbook's Summary, instead of "n/a JPY at 90 days" and "no customer is
// 30 days old". The real pipeline over a small export, the published run read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import { composeRunEmail } from '../../src/notify/composeRunEmail.js';
import { csv, makeFixture, readLatest, runJob, type Fixture } from '../helpers/runFixture.js';
import { sheetFacts } from '../helpers/sheetFacts.js';
import { join } from 'node:path';

let fx: Fixture;
const job: JobInput = { tenant: 'zero', currency: 'JPY', inputs: [{ path: 'e.csv' }], email: { to: ['finance@example.com'] } };
beforeAll(async () => {
  fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount,transaction_id', [['a', '2026-02-05T10:00:00Z', '0', 't1']]) });
  await runJob(fx, job, '2026-03-01T12:00:00Z');
});
afterAll(async () => {
  await fx?.cleanup();
});

describe('a tenant without paying customers', () => {
  it('says "no paying customers yet" in the subject and the text part', async () => {
    const { report, dir } = await readLatest(fx, 'zero');
    expect(report.summary.customers).toBe(0);
    const mail = await composeRunEmail(report, jobFromFlags(job, fx.dir), dir, { from: 'r@example.com', messageId: '<x@example.com>' });
    // The default template "LTV report {tenant} {date}: {ltv} {currency} at {horizon}".
    expect(mail.subject).toBe('LTV report zero 2026-03-01: no paying customers yet');
    const text = String(mail.text);
    expect(text).toContain('Average LTV at 90 days:  n/a (no paying customers yet)');
    expect(text).toContain('Average LTV at 30 days:  n/a (no paying customers yet)');
    expect(text).not.toContain('days old');
    expect(String(mail.html)).toContain('no paying customers yet');
    expect(String(mail.html)).not.toContain('days old');
  });

  it('says so on the Summary sheet', async () => {
    const { dir } = await readLatest(fx, 'zero');
    const facts = await sheetFacts(join(dir, 'ltv.xlsx'), 'Summary');
    expect(facts.get('Average LTV, first 30 days')).toBe('none: no paying customers yet');
    expect(facts.get('Average LTV, first 90 days')).toBe('none: no paying customers yet');
    expect(facts.get('Paying customers')).toBe(0);
  });
});
