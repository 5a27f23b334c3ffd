// A preset's bad time is quarantined naming the file's column it came from and quoting the file's own text
// (presets.ts ColumnSource, RowPreset: reasons name the column and quote its text), not the canonical column
// and the preset's rewrite of the cell.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { JobInput } from '../../src/config/jobSchema.js';
import { makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

/** quarantine.csv's data lines without the file: line, reason, tenant, customer. */
async function quarantined(contents: Record<string, string>, job: Omit<JobInput, 'inputs'> & { inputs: JobInput['inputs'] }): Promise<string[]> {
  const fx = await makeFixture(contents);
  try {
    await runJob(fx, { formats: ['json'], max_bad_row_share: 1, ...job }, '2026-06-01T00:00:00Z');
    const { dir } = await readLatest(fx);
    return (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n').slice(1).map((l) => l.replace(/^[^,]*,/, ''));
  } finally {
    await fx.cleanup();
  }
}

/** A Shopify orders export of two orders: #1 created at `created` (as the file writes it), #2 at a good time. */
function shopifyOrders(created: string): string {
  return [
    'Name,Id,Email,Financial Status,Currency,Total,Taxes,Created at,Lineitem name',
    `#1,1,a@x.com,paid,USD,10.00,0.00,${created},A`,
    '#2,2,b@x.com,paid,USD,10.00,0.00,2026-01-05 10:00:00 -0500,A',
  ].join('\n') + '\n';
}

const ISO_ADVICE = ': write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z), or give the input its time_format';

describe('a preset time that is no ISO 8601 time', () => {
  it('stripe: names Refunded date (UTC) or Dispute Date (UTC), the column of the refund or dispute row, with its text', async () => {
    const rows = await quarantined({
      'st.csv': [
        'id,Created date (UTC),Amount,Amount Refunded,Refunded date (UTC),Currency,Status,Customer ID,Captured,Disputed Amount,Dispute Status,Dispute Date (UTC)',
        'ch_1,2026-01-05 02:30:00,20.00,5.00,2026-01-06 03:00:00,usd,Paid,c1,true,,,',
        'ch_4,2026-01-05 02:30:00,20.00,5.00,2026/01/06,usd,Paid,c4,true,,,',
        'ch_5,2026-01-05 02:30:00,20.00,5.00,2026-01-06 10:00:00 +0000,usd,Paid,c5,true,,,',
        'ch_8,2026-01-05 02:30:00,20.00,0,,usd,Paid,c8,true,20.00,lost,07.01.2026',
        'ch_9,2026/01/05,20.00,0,,usd,Paid,c9,true,,,',
      ].join('\n') + '\n',
    }, { inputs: [{ path: 'st.csv', preset: 'stripe' }], timezone: 'America/New_York' });
    // ch_4 and ch_5: their refund rows (line 3, 4); ch_8: its dispute row; ch_9: its payment, by Created date.
    expect(rows).toEqual([
      `3,"Refunded date (UTC) is not an ISO 8601 time: ""2026/01/06""${ISO_ADVICE}",default,c4`,
      `4,"Refunded date (UTC) is not an ISO 8601 time: ""2026-01-06 10:00:00 +0000""${ISO_ADVICE}",default,c5`,
      `5,"Dispute Date (UTC) is not an ISO 8601 time: ""07.01.2026""${ISO_ADVICE}",default,c8`,
      `6,"Created date (UTC) is not an ISO 8601 time: ""2026/01/05""${ISO_ADVICE}",default,c9`,
    ]);
  });

  it('a time the map reads instead of the preset\'s is named and quoted from the mapped column', async () => {
    const rows = await quarantined({
      'st.csv': 'id,Created date (UTC),Amount,Currency,Status,Customer ID,when\nch_1,2026-01-05 10:00:00,10.00,usd,Paid,cus_1,2026-02-30 10:00:00\nch_2,2026-01-05 10:00:00,10.00,usd,Paid,cus_2,2026-01-06 10:00:00\n',
    }, { inputs: [{ path: 'st.csv', preset: 'stripe', map: { event_time: 'when' } }] });
    expect(rows).toEqual([`2,"when is no calendar time: ""2026-02-30 10:00:00"" has ISO 8601's form, but that day or hour does not exist or its zone is no time zone name: correct it in the export",default,cus_1`]);
  });

  it('a run failing on such rows still says what reads another layout', async () => {
    const fx = await makeFixture({
      'st.csv': 'id,Created date (UTC),Amount,Currency,Status,Customer ID\nch_1,2026/01/05,20.00,usd,Paid,c1\nch_2,2026-01-05 02:30:00,20.00,usd,Paid,c2\n',
    });
    try {
      const e = (await runJob(fx, { inputs: [{ path: 'st.csv', preset: 'stripe' }], formats: ['json'], max_bad_row_share: 0.1 }, '2026-06-01T00:00:00Z').catch((x: unknown) => x)) as Error;
      expect(e.message).toMatch(/; its reason: Created date \(UTC\) is not an ISO 8601 time; an input's "time_format" \(--time-format\) reads another layout$/);
    } finally {
      await fx.cleanup();
    }
  });

  it('shopify: names Created at and quotes the cell as the file writes it, not its offset rewritten', async () => {
    const rows = await quarantined({
      's.csv': shopifyOrders('2026/01/05 10:00:00 -0500'),
    }, { inputs: [{ path: 's.csv', preset: 'shopify' }] });
    expect(rows).toEqual([`2,"Created at is not an ISO 8601 time: ""2026/01/05 10:00:00 -0500""${ISO_ADVICE}",default,a@x.com`]);
  });

  it('shopify with a time_format: names Created at and quotes the cell it does not match', async () => {
    const rows = await quarantined({
      's.csv': shopifyOrders('05.01.2026 10:00 -0500'),
    }, { inputs: [{ path: 's.csv', preset: 'shopify', time_format: '%Y/%m/%d %H:%M:%S%z' }] });
    expect(rows).toEqual(['2,"Created at ""05.01.2026 10:00 -0500"" matches neither the time_format %Y/%m/%d %H:%M:%S%z (or is no real date in it) nor ISO 8601",default,a@x.com']);
  });

  it('revenuecat: names start_time, the column the event time is read from', async () => {
    const rows = await quarantined({
      'rc.csv': [
        'rc_original_app_user_id,store_transaction_id,start_time,price_in_purchased_currency,purchased_currency,renewal_number,product_identifier',
        'u1,t1,2026/01/05 10:00:00,9.99,USD,1,p',
        'u2,t2,2026-01-05 10:00:00,9.99,USD,1,p',
      ].join('\n') + '\n',
    }, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }] });
    expect(rows).toEqual([`2,"start_time is not an ISO 8601 time: ""2026/01/05 10:00:00""${ISO_ADVICE}",default,u1`]);
  });
});
