// SPEC §3 presets stripe, shopify, adapty, paddle on small exports written by hand from each vendor's
// documentation (test/fixtures/presets/), with the expected cohorts computed by hand in the comments.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { JobInput } from '../../src/config/jobSchema.js';
import { grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

const FIXTURES = new URL('../fixtures/presets/', import.meta.url);
const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];

async function runPreset(files: Record<string, string>, job: Omit<JobInput, 'inputs'> & { inputs: JobInput['inputs'] }, asOf: string) {
  const contents: Record<string, string> = {};
  for (const [name, fixture] of Object.entries(files)) contents[name] = await readFile(new URL(fixture, FIXTURES), 'utf8');
  return runExport(contents, job, asOf);
}

/** As runPreset, on files given by their text. */
async function runExport(contents: Record<string, string>, job: Omit<JobInput, 'inputs'> & { inputs: JobInput['inputs'] }, asOf: string) {
  const fx = await makeFixture(contents);
  try {
    // json only: the presets are checked on the numbers; the writers have tests of their own.
    const result = await runJob(fx, { formats: ['json'], ...job }, asOf);
    const { report, dir } = await readLatest(fx);
    // quarantine.csv's data lines: file, line, reason, tenant, customer.
    const quarantine = (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n').slice(1);
    return { result, report, quarantine };
  } finally {
    await fx.cleanup();
  }
}

describe('stripe preset', () => {
  it('reads the Dashboard payments export: paid and captured charges, refunds linked, converted USD, fees, UTC times', async () => {
    const { result, report } = await runPreset(
      { 'unified_payments.csv': 'stripe_unified_payments.csv' },
      { inputs: [{ path: 'unified_payments.csv', preset: 'stripe' }], timezone: 'America/New_York', matrices: MONTHLY },
      '2026-03-01T00:00:00Z', // Feb 28 19:00 in New York
    );
    // Times are UTC: ch_..A2B at 2026-02-01 03:00 UTC is Jan 31 22:00 in New York → cus_A is in January.
    // January: cus_A 20 (+ ch_..A3C 20 refunded in full: −20 linked, at its payment's time) = 20;
    //   cus_B 3000 JPY converted 19.50 USD (the settlement currency is the report's: no rate needed);
    //   cus_C 50 EUR → 54.00 USD, 10 EUR refunded → −10.80 USD: 43.20. cus_D's charge failed (amount 0,
    //   no cohort); cus_B's uncaptured charge of Feb 25 carries nothing.
    //   p0 = (20 + 19.50 + 43.20) / 3 = 82.70 / 3 = 27.5667 → 27.57; p1 (Feb 1 ≤ T) the same; p2 not shown.
    // February: the guest (no Customer ID: Customer Email, lower-cased) 30.00 → p0 30; p1 (Mar 1 > T) not shown.
    // Total p0 = (82.70 + 30) / 4 = 28.175 → 28.18; p1 only January: 27.57.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [28.18, 27.57], '2026-01-01': [27.57, 27.57], '2026-02-01': [30] });
    // Proceeds = Converted Amount − Fee: A 19.12 (+19.12 −19.12), B 18.63, C 52.13 − 10.80/54 × 52.13 (= 10.426)
    //   = 41.704 → January (19.12 + 18.63 + 41.704) / 3 = 79.454 / 3 = 26.4847 → 26.48; February 30 − 1.17 = 28.83;
    //   Total p0 (79.454 + 28.83) / 4 = 27.071 → 27.07.
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [27.07, 26.48], '2026-01-01': [26.48, 26.48], '2026-02-01': [28.83] });
    // 7 charges + 2 refund rows (ch_..A3C, ch_..C5E); nothing quarantined. 5 charges paid (A2B, A3C refunded
    // later, B4D, C5E, E7G); the failed D6F and the uncaptured B8H are rows of amount 0: 9 = 5 + 2 + 2.
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([9, 0]);
    expect(result.stats).toMatchObject({ transactions: 5, refund_rows: 2, zero_amount_rows: 2 });
  });

  it('reads an export with fewer columns: no Captured, no Converted Amount Refunded, thousands separators', async () => {
    const { result, report } = await runPreset(
      { 'payments.csv': 'stripe_payments_few_columns.csv' },
      { inputs: [{ path: 'payments.csv', preset: 'stripe' }], matrices: MONTHLY },
      '2026-01-20T00:00:00Z',
    );
    // a@x.com: 50 EUR → 54.00 USD, 10 EUR refunded → the refunded share of the converted amount 10 × 54 / 50
    // = 10.80 → 43.20; b@x.com "1,250.00" → 1250. January p0 = (43.20 + 1250) / 2 = 646.60.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [646.6], '2026-01-01': [646.6] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([3, 0]);
  });

  it('reads the API shape (Unix times, minor units): zero-decimal JPY and KRW, failed and test-mode charges', async () => {
    const { report } = await runPreset(
      { 'charges.csv': 'stripe_charges_api.csv', 'rates.csv': 'rates.csv' },
      { inputs: [{ path: 'charges.csv', preset: 'stripe' }], rates: 'rates.csv', matrices: MONTHLY },
      '2026-01-20T00:00:00Z',
    );
    // cus_X 1000 usd cents = 10.00; cus_Y 1500 JPY (no minor unit) × 0.0066 = 9.90; cus_Z 50000 KRW refunded in
    // full: 37.50 − 37.50 = 0. ch_d failed (0), ch_e is test mode (livemode false: sandbox, excluded).
    // January p0 = (10 + 9.90 + 0) / 3 = 19.90 / 3 = 6.633 → 6.63.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [6.63], '2026-01-01': [6.63] });
  });
});

describe('stripe preset: conversion, disputes, failed charges', () => {
  const HEADER = 'id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,Fee,Converted Currency,Status,Customer ID,Captured,Refunded date (UTC),Disputed Amount,Dispute Status,Dispute Date (UTC)';

  it('takes a converted refund or lost dispute back at its charge\'s rate, so a full one nets to zero', async () => {
    const { result, report, quarantine } = await runExport({
      'pay.csv': [
        HEADER,
        // Refunded in full when the euro was dearer: Stripe converts the refund at that day's rate (55.20).
        'ch_1,2026-01-10 10:00:00,50.00,50.00,eur,54.00,55.20,1.87,usd,Refunded,cus_1,true,2026-01-20 10:00:00,,,',
        // ... and when it was cheaper (52.80).
        'ch_2,2026-01-11 10:00:00,50.00,50.00,eur,54.00,52.80,1.87,usd,Refunded,cus_2,true,2026-01-21 10:00:00,,,',
        // Partly refunded: 10 of 50 EUR at the charge's rate is 10.80 USD (Stripe wrote 11.04).
        'ch_3,2026-01-12 10:00:00,50.00,10.00,eur,54.00,11.04,1.87,usd,Paid,cus_3,true,2026-01-22 10:00:00,,,',
        // A lost dispute of 30 USD takes it back; a won one and one still open take nothing.
        'ch_4,2026-01-13 10:00:00,30.00,0.00,usd,30.00,0.00,1.17,usd,Paid,cus_4,true,,30.00,lost,2026-01-25 10:00:00',
        'ch_5,2026-01-14 10:00:00,20.00,0.00,usd,20.00,0.00,0.88,usd,Paid,cus_5,true,,20.00,won,2026-01-26 10:00:00',
        'ch_6,2026-01-15 10:00:00,40.00,0.00,usd,40.00,0.00,1.46,usd,Paid,cus_6,true,,40.00,needs_response,2026-01-27 10:00:00',
        // Lost, without an amount: the whole charge (a converted one, 25 EUR → 27.00 USD).
        'ch_7,2026-01-16 10:00:00,25.00,0.00,eur,27.00,0.00,1.08,usd,Paid,cus_7,true,,,lost,2026-01-28 10:00:00',
      ].join('\n') + '\n',
    }, { inputs: [{ path: 'pay.csv', preset: 'stripe' }], matrices: MONTHLY }, '2026-01-31T00:00:00Z');
    // cus_1 0, cus_2 0, cus_3 54 − 10.80 = 43.20, cus_4 0, cus_5 20, cus_6 40, cus_7 0: 103.20 over 7 = 14.742857 → 14.74.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [14.74], '2026-01-01': [14.74] });
    expect(report.summary.revenue).toBe(103.2);
    // 7 charges, 3 refunds, 2 lost disputes; nothing quarantined.
    expect([result.stats.rows_read, result.stats.rows_quarantined, quarantine]).toEqual([12, 0, []]);
  });

  it('reads every naive time shape as UTC, the input\'s time_format too, never in the report time zone', async () => {
    // America/New_York is UTC−4 in April 2024: a UTC time before 04:00 is on the day before in New York. One
    // customer per shape; the day cohort is the New York day of the UTC reading (in brackets the day of a
    // reading in the report zone).
    const header = 'id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Refunded date (UTC)';
    const { result, report, quarantine } = await runExport({
      'pay.csv': [
        header,
        'ch_1,2024-04-02t01:30:00,10.00,0.00,usd,Paid,cus_1,', // RFC 3339's t: Apr 1 21:30 (Apr 2)
        'ch_2,20240404,10.00,0.00,usd,Paid,cus_2,', // basic date, 00:00 UTC: Apr 3 20:00 (Apr 4)
        'ch_3,2024-04-06t02:00,10.00,0.00,usd,Paid,cus_3,', // t and hh:mm: Apr 5 22:00 (Apr 6)
        // Line 5: a shape only DuckDB's cast guesses at is a bad row, as in any input (it was read).
        'ch_6,2024/04/07 10:00,10.00,0.00,usd,Paid,cus_6,',
      ].join('\n') + '\n',
      'payf.csv': [
        header,
        'ch_4,12/04/2024 03:00,10.00,0.00,usd,Paid,cus_4,', // Apr 11 23:00 (Apr 12)
        // Refunded in full at 02:00 UTC on Apr 20, before T (03:00 UTC): taken back. Read in New York (06:00
        // UTC), the refund was after T and cus_5 kept its 10.
        'ch_5,13/04/2024 12:00,10.00,10.00,usd,Refunded,cus_5,20/04/2024 02:00', // Apr 13 08:00
      ].join('\n') + '\n',
    }, {
      inputs: [{ path: 'pay.csv', preset: 'stripe' }, { path: 'payf.csv', preset: 'stripe', time_format: '%d/%m/%Y %H:%M' }],
      timezone: 'America/New_York', matrices: [{ period_type: 'days', period_unit: 'day' }], max_bad_row_share: 0.5,
    }, '2024-04-20T03:00:00Z');
    expect(Object.keys(grid(report.matrices[0]!))).toEqual(['Total', '2024-04-01', '2024-04-03', '2024-04-05', '2024-04-11', '2024-04-13']);
    // ch_1 to ch_4 10 each, ch_5 10 − 10; 6 charges and a refund, ch_6 quarantined.
    expect(report.summary.revenue).toBe(40);
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([7, 1]);
    expect(quarantine.map((l) => l.replace(/^[^,]*,/, ''))).toEqual([
      '5,"Created date (UTC) is not an ISO 8601 time: ""2024/04/07 10:00"": write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z), or give the input its time_format",default,cus_6',
    ]);
  });

  it('refuses an export without Status or Captured: its failed charges could not be told from paid ones', async () => {
    const fx = await makeFixture({
      'pay.csv': 'id,Created date (UTC),Amount,Amount Refunded,Currency,Customer ID,Decline Reason\nch_1,2026-01-05 10:00:00,20.00,0.00,usd,cus_1,\nch_2,2026-01-06 10:00:00,500.00,0.00,usd,cus_2,insufficient_funds\n',
    });
    try {
      const e = (await runJob(fx, { inputs: [{ path: 'pay.csv', preset: 'stripe' }], formats: ['json'] }, '2026-02-01T00:00:00Z').catch((x: unknown) => x)) as Error;
      expect(e.message).toBe(`${fx.dir}/pay.csv: --input is read with preset "stripe", but the file has no column "Status" or "status" or "Captured" or "captured" `
        + '(its columns: id, Created date (UTC), Amount, Amount Refunded, Currency, Customer ID, Decline Reason): give that vendor\'s export, or another preset (or none) for this file');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('stripe preset: a decimal amount on a row of the API shape', () => {
  it('is a bad row naming the column and value, its refund or dispute with it, never read as minor units', async () => {
    // 1767607200 = 2026-01-05T10:00:00Z: the API/Sigma shape, amounts in integer minor units.
    const { result, report, quarantine } = await runExport({
      'charges.csv': [
        'id,created,amount,amount_refunded,currency,converted_amount,converted_currency,customer,status,captured,livemode,Disputed Amount,Dispute Status',
        'ch_x,1767607200,20.00,0,usd,,,cx,succeeded,true,true,,', // was read as 0.20 USD
        'ch_y,1767607200,2000,0,usd,,,cy,succeeded,true,true,,',
        'ch_z,1767607200,5.5,0,kwd,,,cz,succeeded,true,true,,', // was read as 0.0055 KWD
        'ch_w,1767607200,5500,0,kwd,,,cw,succeeded,true,true,,',
        'ch_r,1767607200,2000,5.00,usd,,,cr,succeeded,true,true,,', // its refund was read as 0.05 USD
        'ch_k,1767607200,1000,500,usd,,,ck,succeeded,true,true,,',
        'ch_c,1767607200,1800,0,eur,20.00,usd,cc,succeeded,true,true,,', // was read as 0.20 USD
        'ch_d,1767607200,3000,0,usd,,,cd,succeeded,true,true,10.005,lost', // no whole number of cents either
        'ch_f,1767607200,20.00,0,usd,,,cf,failed,false,true,,', // not paid: amount 0, not read
        'ch_m,2026-01-05 10:00:00,20.00,0,usd,,,cm,succeeded,true,true,,', // the Dashboard shape: major units
      ].join('\n') + '\n',
      'rates.csv': 'date,currency,rate\n2025-12-01,KWD,3.25\n',
    }, { inputs: [{ path: 'charges.csv', preset: 'stripe' }], rates: 'rates.csv', matrices: MONTHLY, max_bad_row_share: 0.6 }, '2026-01-31T00:00:00Z');
    // cy 20; cw 5500 fils = 5.5 KWD × 3.25 = 17.875; ck 10 − 5 = 5; cm 20: 62.875 over 4 customers (cf failed:
    // no cohort) = 15.71875 → 15.72. Before, read as minor units: cx 0.20, cz 0.0055 KWD = 0.017875, cr 20 − 0.05,
    // cc 0.20, and cd 30 (its dispute of 0.10005 quarantined for a fifth decimal): 113.242875 / 9 → 12.58.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [15.72], '2026-01-01': [15.72] });
    // 10 charges + refunds of ch_r and ch_k + the dispute of ch_d = 13 rows; ch_x, ch_z, ch_c and ch_r, ch_d
    // with their refund and dispute: 7 quarantined.
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([13, 7]);
    const api = ' on a row whose created is Unix seconds: Stripe\'s API writes integer minor units (';
    const fix = '); export from the Dashboard (major units) or write the integer';
    expect(quarantine.map((l) => l.replace(/^[^,]*,/, ''))).toEqual([
      `2,"amount ""20.00""${api}2000 for 20.00 USD${fix}",default,cx`,
      `4,"amount ""5.5""${api}5500 for 5.5 KWD${fix}",default,cz`,
      `6,"amount_refunded ""5.00""${api}500 for 5.00 USD${fix}",default,cr`,
      `6,"amount_refunded ""5.00""${api}500 for 5.00 USD${fix}",default,cr`,
      `8,"converted_amount ""20.00""${api}2000 for 20.00 USD${fix}",default,cc`,
      `9,"Disputed Amount ""10.005""${api}100 for 1 USD${fix}",default,cd`,
      `9,"Disputed Amount ""10.005""${api}100 for 1 USD${fix}",default,cd`,
    ]);
  });
});

describe('shopify preset', () => {
  it('reads the orders export: order fields filled per order, financial status, refunds, offsets, currencies', async () => {
    const { result, report, quarantine } = await runPreset(
      { 'orders_export.csv': 'shopify_orders_export.csv', 'rates.csv': 'rates.csv' },
      { inputs: [{ path: 'orders_export.csv', preset: 'shopify' }], rates: 'rates.csv', matrices: MONTHLY },
      '2026-02-28T12:00:00Z',
    );
    // January (UTC): ann #1001 Jan 5 15:00 (10:00 −05:00) 60.00, and #1003 Feb 10 14:00 = period 1: 25.00;
    //   bob (#1002, Email lower-cased) 40.00 partially refunded 15.00 → 25.00 in period 0. #1004 voided and
    //   #1006 pending carry 0 (cy and eve are in no cohort).
    //   p0 = (60 + 25) / 2 = 42.50; p1 = (60 + 25 + 25) / 2 = 55.00; p2 (Mar 1 > T) not shown.
    // February: dee #1005 at 2026-01-31 22:30 −05:00 = Feb 1 03:30 UTC, refunded in full → 0; fay #1007
    //   50.00 EUR × 1.08 = 54.00 (three line items, one payment) → p0 (0 + 54) / 2 = 27.00.
    // Total p0 = (85 + 54) / 4 = 34.75; p1 only January: 55.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [34.75, 55], '2026-01-01': [42.5, 55], '2026-02-01': [27] });
    // Net = Total − Taxes: ann 55 then 23; bob 40 − 15 (the refund takes net back in proportion, 15/40 × 40) = 25;
    //   January p0 (55 + 25) / 2 = 40, p1 (55 + 23 + 25) / 2 = 51.50; dee 0, fay 42 EUR × 1.08 = 45.36 →
    //   February 22.68; Total p0 (80 + 45.36) / 4 = 31.34.
    expect(grid(report.matrices[0]!, 'net_revenue')).toEqual({ Total: [31.34, 51.5], '2026-01-01': [40, 51.5], '2026-02-01': [22.68] });
    // 10 lines (the 3 continuation lines filled, not quarantined) + 2 refund rows (#1002, #1005).
    expect([result.stats.rows_read, result.stats.rows_quarantined, quarantine]).toEqual([12, 0, []]);
    // Paid orders #1001, #1002, #1003, #1005 (refunded after), #1007; amount 0: #1004 voided, #1006 pending and
    // the 3 other line items of #1001 and #1007: 12 = 5 + 2 refund rows + 5.
    expect(result.stats).toMatchObject({ transactions: 5, refund_rows: 2, zero_amount_rows: 5 });
  });
});

describe('shopify preset: a Name written again', () => {
  const HEADER = 'Name,Email,Financial Status,Currency,Taxes,Total,Created at,Lineitem name,Refunded Amount,Id';

  it('is another copy of the order (the later one wins, as a duplicate) or, under another Id, another order', async () => {
    const { result, report, quarantine } = await runExport({
      'orders.csv': [
        HEADER,
        '#1001,ann@example.com,paid,USD,0.00,60.00,2026-01-05 10:00:00 -0500,Mug,0.00,5001',
        // Its second line item: the Email and time repeated, no order fields.
        '#1001,ann@example.com,,,,,2026-01-05 10:00:00 -0500,Cap,,',
        '#1002,bob@example.com,paid,USD,0.00,40.00,2026-01-06 10:00:00 -0500,Mug,0.00,5002',
        // Two exports concatenated: the header again, then #1002 once more, refunded since.
        HEADER,
        '#1002,bob@example.com,refunded,USD,0.00,40.00,2026-01-06 10:00:00 -0500,Mug,40.00,5002',
        // Another order named #1001 (Shopify allows it), with its own Id and customer.
        '#1001,cy@example.com,paid,USD,0.00,30.00,2026-01-07 10:00:00 -0500,Hat,0.00,5009',
      ].join('\n') + '\n',
    }, { inputs: [{ path: 'orders.csv', preset: 'shopify' }], matrices: MONTHLY }, '2026-01-31T00:00:00Z');
    // ann 60, bob 40 − 40 = 0 (his later copy wins), cy 30: 90 over 3 = 30.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [30], '2026-01-01': [30] });
    expect(report.summary).toMatchObject({ customers: 3, revenue: 90 });
    // 5 lines and bob's refund; the first copy of #1002 is a duplicate.
    expect([result.stats.rows_read, result.stats.duplicates, result.stats.rows_quarantined, quarantine]).toEqual([6, 1, 0, []]);
  });
});

describe('adapty preset', () => {
  it('reads the S3/GCS event export: payment, refund, trial and other events, sandbox, USD columns', async () => {
    const { result, report, quarantine } = await runPreset(
      { 'events.csv': 'adapty_events.csv' },
      { inputs: [{ path: 'events.csv', preset: 'adapty' }], matrices: MONTHLY, max_bad_row_share: 0.2 },
      '2026-02-28T12:00:00Z',
    );
    // January: prof-1 trial_started (0) then trial_converted Jan 10 10:00 9.99 (access_level_updated of the
    //   same transaction carries nothing and does not replace it), subscription_renewed Feb 10 10:00 = t0 + 1
    //   month → period 1: 9.99; prof-2 subscription_started 49.99 refunded (positive in the file) → 0.
    //   p0 = (9.99 + 0) / 2 = 4.995 → 5.00 (half away from zero); p1 = (19.98 + 0) / 2 = 9.99.
    // February: prof-4 12.00 USD (revenue_usd: the report is in USD). prof-3 is Sandbox, prof-5 only cancelled.
    // Total p0 = (9.99 + 12) / 3 = 7.33; p1 January only 9.99.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [7.33, 9.99], '2026-01-01': [5, 9.99], '2026-02-01': [12] });
    // proceeds: January p0 (6.99 + 34.99 − 34.99) / 2 = 3.495 → 3.50, p1 13.98 / 2 = 6.99; February 8.40;
    //   Total p0 (6.99 + 8.40) / 3 = 5.13.
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [5.13, 6.99], '2026-01-01': [3.5, 6.99], '2026-02-01': [8.4] });
    // prof-6's subscription_started has no revenue at all: quarantined at its line (header = line 1).
    expect(result.stats.rows_quarantined).toBe(1);
    expect(quarantine).toEqual([expect.stringMatching(/events\.csv,11,amount is missing: give the row its amount,default,prof-6$/)]);
  });
});

describe('adapty preset: event names beyond the current documentation', () => {
  it('reads subscription_initial_purchase (the earlier name of subscription_started) and never zeroes an unknown event with revenue', async () => {
    const { result, report, quarantine } = await runPreset(
      { 'events.csv': 'adapty_events_older.csv' },
      { inputs: [{ path: 'events.csv', preset: 'adapty' }], matrices: MONTHLY, max_bad_row_share: 0.5 },
      '2026-01-31T00:00:00Z',
    );
    // p1 10.00 and p4 20.00 (subscription_initial_purchase: it was read as 0, p4 in no cohort): (10 + 20) / 2 = 15.
    // p6's subscription_paused is a documented status event: 0 whatever its revenue; p7's unknown event carries
    // none: 0. p5's unknown event with revenue 30.00 is set aside (line 4), not zeroed.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [15], '2026-01-01': [15] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([5, 1]);
    expect(quarantine).toEqual([expect.stringMatching(
      /events\.csv,4,"event_type ""subscription_whatever_new"" is none of Adapty's documented events, and it carries revenue 30\.00: set aside, not read as 0 \(it may be a payment under a newer name\); if it is none, leave such rows out of the export",default,p5$/,
    )]);
  });
});

describe('adapty preset: local revenue without its currency', () => {
  it('is a bad row naming the currency, never money of the report currency (¥1,500 was read as 1,500 EUR, and as 1,500 USD where revenue_usd was empty)', async () => {
    // Adapty's earlier table structure: revenue_usd, proceeds_usd, revenue_local, proceeds_local, and no currency column.
    const header = 'profile_id,event_type,event_datetime,transaction_id,environment,revenue_usd,proceeds_usd,revenue_local,proceeds_local';
    const rows = [
      'p1,subscription_started,2026-01-05T10:00:00.000000+0000,1001,Production,9.99,6.99,1500,1050',
      'p1,subscription_renewed,2026-02-05T10:00:00.000000+0000,1001b,Production,,,1500,1050',
      'p2,subscription_started,2026-01-06T10:00:00.000000+0000,2001,Production,10.80,7.56,10.00,7.00',
      'p3,subscription_cancelled,2026-01-07T10:00:00.000000+0000,3001,Production,,,,',
    ];
    const rates = 'date,currency,rate\n2025-12-01,USD,0.92\n';
    // In EUR every payment would be read from revenue_local, whose currency no column gives: all three set aside
    // (the run then fails at the bad-row limit, naming the reason); with the limit raised, nothing is published as EUR money.
    const eur = await runExport({ 'events.csv': [header, ...rows].join('\n') + '\n', 'rates.csv': rates },
      { inputs: [{ path: 'events.csv', preset: 'adapty' }], matrices: MONTHLY, currency: 'EUR', rates: 'rates.csv', max_bad_row_share: 0.9 }, '2026-03-01T00:00:00Z');
    expect([eur.result.stats.rows_read, eur.result.stats.rows_quarantined, eur.report.summary.revenue]).toEqual([4, 3, 0]);
    expect(eur.quarantine[0]).toMatch(/^\S*events\.csv,2,"revenue_local 1500 has no currency \(the file has no currency column, or this row's is empty\): its money cannot be converted; export the currency column, or report in USD \(--currency USD, ""currency"" in the job file\) to read revenue_usd",default,p1$/);
    // In USD the rows with revenue_usd are read from it; the one without it (line 3) is set aside, not read as 1,500 USD.
    const usd = await runExport({ 'events.csv': [header, ...rows].join('\n') + '\n' },
      { inputs: [{ path: 'events.csv', preset: 'adapty' }], matrices: MONTHLY, max_bad_row_share: 0.5 }, '2026-03-01T00:00:00Z');
    expect([usd.result.stats.rows_read, usd.result.stats.rows_quarantined, usd.report.summary.revenue]).toEqual([4, 1, 20.79]);
    expect(usd.quarantine).toEqual([expect.stringMatching(/events\.csv,3,"revenue_local 1500 has no currency \(the file has no currency column, or this row's is empty\) and revenue_usd is empty: its money cannot be converted; export the currency column, or revenue_usd",default,p1$/)]);
  });
});

describe('a row without money in a currency the run has no rate for', () => {
  it('is read with amount 0 (Adapty\'s cancellation event, Shopify\'s voided order), not quarantined for a rate it does not need', async () => {
    const adapty = await runExport({
      'events.csv': [
        'profile_id,event_type,event_datetime,transaction_id,environment,revenue_usd,proceeds_usd,net_revenue_usd,revenue_local,proceeds_local,net_revenue_local,currency,store_country,profile_event_id',
        'p3,subscription_initial_purchase,2025-10-20T10:00:00.000000+0000,3000,Production,19.99,16.99,14.99,18.49,15.72,13.87,EUR,DE,e7',
        'p3,subscription_cancelled,2025-12-01T10:00:00.000000+0000,3000,Production,,,,,,,EUR,DE,e9',
      ].join('\n') + '\n',
    }, { inputs: [{ path: 'events.csv', preset: 'adapty' }], matrices: MONTHLY }, '2025-12-15T00:00:00Z');
    // USD revenue: 19.99 in October; the cancellation (its currency EUR, no rates file) is a zero row. Before,
    // it was quarantined ("no exchange rate for EUR"): 1 of 2 rows, and the run failed at the 1 % limit.
    expect([adapty.result.stats.rows_read, adapty.result.stats.rows_quarantined, adapty.result.stats.zero_amount_rows, adapty.quarantine]).toEqual([2, 0, 1, []]);
    expect(grid(adapty.report.matrices[0]!)['2025-10-01']).toEqual([19.99, 19.99, 19.99]);
    const shopify = await runExport({
      'orders.csv': [
        'Name,Email,Financial Status,Currency,Taxes,Total,Created at,Lineitem name,Lineitem sku,Billing Country,Refunded Amount,Outstanding Balance,Id',
        '#1,a@x.com,paid,USD,0.00,10.00,2026-01-05 10:00:00 -0500,Cap,CP-1,US,0.00,0.00,1',
        '#2,b@x.com,voided,EUR,0.00,80.00,2026-01-06 10:00:00 +0100,Hoodie,HD-1,DE,0.00,0.00,2',
      ].join('\n') + '\n',
    }, { inputs: [{ path: 'orders.csv', preset: 'shopify' }], matrices: MONTHLY }, '2026-01-20T00:00:00Z');
    expect([shopify.result.stats.rows_quarantined, shopify.result.stats.zero_amount_rows, shopify.quarantine]).toEqual([0, 1, []]);
    expect(grid(shopify.report.matrices[0]!)).toEqual({ Total: [10], '2026-01-01': [10] });
  });

  it('with money still needs its rate, and a code that is no currency is still a bad row', async () => {
    const { result, quarantine } = await runExport({
      'pay.csv': 'customer_id,event_time,amount,currency\na,2026-01-05,10.00,USD\nb,2026-01-05,5.00,EUR\nc,2026-01-05,0,EUR\nd,2026-01-05,0,XYZ\n',
    }, { inputs: [{ path: 'pay.csv' }], matrices: MONTHLY, max_bad_row_share: 0.9 }, '2026-01-20T00:00:00Z');
    expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.zero_amount_rows]).toEqual([4, 2, 1]);
    expect(quarantine.map((l) => l.split(',').slice(1, 3).join(','))).toEqual([
      '3,"no exchange rate for EUR on or before 2026-01-05: the run has no rates file; give one (--rates <file>', '5,"currency ""XYZ"" is not an ISO 4217 code in current use (e.g. USD',
    ]);
  });
});

describe('paddle preset', () => {
  it('reads the transactions and adjustments reports: completed only, lowest denomination, refunds linked', async () => {
    const { result, report } = await runPreset(
      { 'transactions.csv': 'paddle_transactions.csv', 'adjustments.csv': 'paddle_adjustments.csv', 'rates.csv': 'rates.csv' },
      {
        inputs: [{ path: 'transactions.csv', preset: 'paddle' }, { path: 'adjustments.csv', preset: 'paddle' }],
        rates: 'rates.csv', matrices: MONTHLY,
      },
      '2026-02-28T12:00:00Z',
    );
    // Amounts in the lowest denomination: 1100 = 11.00 USD; JPY has none: 1650 JPY × 0.0066 = 10.89 USD.
    // January: ctm_01ha 11.00 (billed Jan 5 10:00:05); its renewal billed Feb 5 10:00:05 = t0 + 1 month →
    //   period 1: 11.00, refunded by an approved adjustment (−11.00 linked) → 0; ctm_01hb 10.89. past_due
    //   and canceled transactions carry 0; the credit adjustment carries 0.
    //   p0 = (11 + 10.89) / 2 = 10.945 → 10.95; p1 the same.
    // February: ctm_01he 2400 GBP pennies = 24.00 × 1.25 = 30.00 (its refund is pending_approval: 0).
    // Total p0 = (21.89 + 30) / 3 = 17.2967 → 17.30; p1 January only 10.95.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [17.3, 10.95], '2026-01-01': [10.95, 10.95], '2026-02-01': [30] });
    // proceeds = total − fee: 9.95 (+ 9.95 − 9.95), 1490 JPY × 0.0066 = 9.834 → January (19.784) / 2 = 9.892 → 9.89;
    //   February 22.50 GBP × 1.25 = 28.125 → 28.13; Total (19.784 + 28.125) / 3 = 15.9697 → 15.97.
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [15.97, 9.89], '2026-01-01': [9.89, 9.89], '2026-02-01': [28.13] });
    // net = earnings: 8.95, 1340 JPY × 0.0066 = 8.844 → January 17.794 / 2 = 8.897 → 8.90; February 18.50 × 1.25
    //   = 23.125 → 23.13; Total (17.794 + 23.125) / 3 = 13.6397 → 13.64.
    expect(grid(report.matrices[0]!, 'net_revenue')).toEqual({ Total: [13.64, 8.9], '2026-01-01': [8.9, 8.9], '2026-02-01': [23.13] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([9, 0]);
  });
});
describe('paddle preset: a credit that paid part of the total', () => {
  it('scales fee and earnings (Paddle\'s, on the total) to the grand total, so net never exceeds revenue', async () => {
    const { report } = await runPreset(
      { 'transactions.csv': 'paddle_transactions_credit.csv' },
      { inputs: [{ path: 'transactions.csv', preset: 'paddle' }], matrices: MONTHLY },
      '2026-01-31T00:00:00Z',
    );
    // txn_e1: total 11.00, grand_total 6.00 (a credit of 5.00), fee 1.05, earnings 8.95 (on the total): revenue
    //   6.00, proceeds (11.00 − 1.05) × 6/11 = 5.42727… → 5.4273, net 8.95 × 6/11 = 4.88181… → 4.8818 (it was
    //   proceeds 4.95 and net 8.95, above the revenue). txn_e2 without a credit: 11.00, 9.95, 8.95.
    // Summary: revenue 17.00, proceeds 15.3773 → 15.38, net 13.8318 → 13.83.
    expect(report.summary).toMatchObject({ revenue: 17, proceeds: 15.38, net_revenue: 13.83 });
  });
});

describe('paddle preset: adjustment actions', () => {
  it('a chargeback_reverse cancels its transaction\'s chargebacks up to its total; warnings carry 0; an undocumented action or a reversal without its chargeback is a bad row', async () => {
    const { result, report, quarantine } = await runExport({
      'transactions.csv': [
        'id,status,customer_id,currency_code,billed_at,grand_total',
        'txn_1,completed,ctm_1,USD,2026-01-05T10:00:00Z,12.00',
        'txn_2,completed,ctm_2,USD,2026-01-06T10:00:00Z,24.00',
        'txn_3,completed,ctm_3,USD,2026-01-07T10:00:00Z,30.00',
        'txn_4,completed,ctm_4,USD,2026-01-08T10:00:00Z,20.00',
        'txn_5,completed,ctm_5,USD,2026-01-09T10:00:00Z,16.00',
        'txn_6,completed,ctm_6,USD,2026-01-10T10:00:00Z,40.00',
        'txn_7,completed,ctm_7,USD,2026-01-11T10:00:00Z,50.00',
      ].join('\n') + '\n',
      'adjustments.csv': [
        'id,action,transaction_id,customer_id,currency_code,status,total,created_at',
        // Charged back, then reversed in full.
        'adj_1,chargeback,txn_2,ctm_2,USD,approved,24.00,2026-01-15T10:00:00Z',
        'adj_2,chargeback_reverse,txn_2,ctm_2,USD,approved,24.00,2026-02-01T10:00:00Z',
        // Charged back, 10.00 of it reversed.
        'adj_3,chargeback,txn_3,ctm_3,USD,approved,30.00,2026-01-16T10:00:00Z',
        'adj_4,chargeback_reverse,txn_3,ctm_3,USD,approved,10.00,2026-02-02T10:00:00Z',
        // A chargeback as Paddle writes it once reversed (status reversed), with its reversal.
        'adj_5,chargeback,txn_4,ctm_4,USD,reversed,20.00,2026-01-17T10:00:00Z',
        'adj_6,chargeback_reverse,txn_4,ctm_4,USD,approved,20.00,2026-02-03T10:00:00Z',
        'adj_7,chargeback_warning,txn_5,ctm_5,USD,approved,16.00,2026-01-18T10:00:00Z',
        // The warning withdrawn (Paddle's chargeback_warning_reverse, created by Paddle: it was quarantined).
        'adj_7r,chargeback_warning_reverse,txn_5,ctm_5,USD,approved,16.00,2026-01-25T10:00:00Z',
        // A reversal whose chargeback is not in this file; an action Paddle does not document.
        'adj_8,chargeback_reverse,txn_6,ctm_6,USD,approved,40.00,2026-02-04T10:00:00Z',
        'adj_9,refund_partial,txn_7,ctm_7,USD,approved,5.00,2026-01-19T10:00:00Z',
      ].join('\n') + '\n',
    }, {
      inputs: [{ path: 'transactions.csv', preset: 'paddle' }, { path: 'adjustments.csv', preset: 'paddle' }],
      matrices: MONTHLY, max_bad_row_share: 0.5,
    }, '2026-02-10T00:00:00Z');
    // ctm_1 12; ctm_2 24 (its chargeback reversed in full takes nothing back); ctm_3 30 − (30 − 10) = 10; ctm_4
    // 20; ctm_5 16 (a warning and its withdrawal move no money); ctm_6 40 and ctm_7 50 (their adjustments
    // quarantined: lines 10 and 11). Revenue 12 + 24 + 10 + 20 + 16 + 40 + 50 = 172, p0 = 172 / 7 = 24.5714 → 24.57 (p1 the same:
    // the reversals count at their payments' time). Before: adj_2 and adj_4 carried 0, so ctm_2 and ctm_3 were
    // 0, and adj_8 and adj_9 were read as 0 without a trace: 138 / 7 = 19.71.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [24.57, 24.57], '2026-01-01': [24.57, 24.57] });
    expect(report.summary).toMatchObject({ customers: 7, revenue: 172 });
    expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.refunds_unlinked]).toEqual([17, 2, 0]);
    expect(quarantine.map((l) => l.slice(l.indexOf('adjustments.csv')))).toEqual([
      'adjustments.csv,10,"action ""chargeback_reverse"" of transaction_id ""txn_6"" gives back total ""40.00"", more than the chargebacks of that transaction in this file take back: not read; give the chargeback and its reversal in one adjustments report",default,ctm_6',
      'adjustments.csv,11,"action ""refund_partial"" is none of Paddle\'s adjustment actions (credit, credit_reverse, refund, chargeback, chargeback_reverse, chargeback_warning, chargeback_warning_reverse): set aside, not read as 0 (it may move money); check the column",default,ctm_7',
    ]);
  });
});


describe('a file of another kind read with a row preset', () => {
  it('is refused as a whole, naming the columns the preset needs and the file has (it gave a "missing" bad row per line)', async () => {
    const fx = await makeFixture({
      'canonical.csv': 'customer_id,event_time,amount\na1,2026-01-05T10:00:00Z,10.00\n',
      'adapty.csv': 'profile_id,event_type,event_datetime\np1,subscription_started,2026-01-05T10:00:00Z\n',
    });
    try {
      const refused = async (path: string, preset: 'stripe' | 'shopify' | 'paddle' | 'adapty'): Promise<string> =>
        ((await runJob(fx, { inputs: [{ path, preset }], formats: ['json'] }, '2026-02-01T00:00:00Z').catch((e: unknown) => e)) as Error).message;
      const tail = (columns: string): string => `(its columns: ${columns}): give that vendor's export, or another preset (or none) for this file`;
      expect(await refused('canonical.csv', 'stripe')).toBe(`${fx.dir}/canonical.csv: --input is read with preset "stripe", but the file has no column "Created date (UTC)" or "Created (UTC)" or "Created" or "created"; "Status" or "status" or "Captured" or "captured" ${tail('customer_id, event_time, amount')}`);
      expect(await refused('canonical.csv', 'shopify')).toBe(`${fx.dir}/canonical.csv: --input is read with preset "shopify", but the file has no column "Created at"; "Total"; "Financial Status" ${tail('customer_id, event_time, amount')}`);
      expect(await refused('canonical.csv', 'paddle')).toBe(`${fx.dir}/canonical.csv: --input is read with preset "paddle", but the file has no column "status"; `
        + `"grand_total" or "details.totals.grand_total" or "totals.grand_total" or "total" or "details.totals.total" or "totals.total"; "billed_at" or "created_at" ${tail('customer_id, event_time, amount')}`);
      // One group missing of three: the revenue columns.
      expect(await refused('adapty.csv', 'adapty')).toBe(`${fx.dir}/adapty.csv: --input is read with preset "adapty", but the file has no column "revenue_usd" or "price_usd" or "revenue_local" or "price_local" ${tail('profile_id, event_type, event_datetime')}`);
    } finally {
      await fx.cleanup();
    }
  });
});

describe("a map that reads one of the preset's id columns as another id", () => {
  // The preset reads the customer from one column; the map read it as the transaction too: every customer's
  // payments became one transaction and the rest duplicates (paddle 22.00 → 11.00 USD), without a word. Or the
  // charge id, which Stripe's refund rows name as refund_of, as the transaction: refunds became duplicates.
  it.each([
    ['paddle_transactions.csv', 'paddle', 'customer_id', 'customer_id', 'customer_id'],
    ['stripe_unified_payments.csv', 'stripe', 'Customer ID', 'Customer ID', 'customer_id'],
    ['adapty_events.csv', 'adapty', 'profile_id', 'profile_id', 'customer_id'],
    ['shopify_orders_export.csv', 'shopify', 'email', 'Email', 'customer_id'],
  ] as const)('%s (%s): transaction_id=%s is refused, naming the id the preset reads it as', async (file, preset, mapped, column, as) => {
    const err = await runPreset({ 'e.csv': file }, { inputs: [{ path: 'e.csv', preset, map: { transaction_id: mapped } }], matrices: MONTHLY }, '2026-04-01T00:00:00Z')
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(new RegExp(`e\\.csv: --map transaction_id: the column "${column}" is read as ${as} too \\(the ${preset} preset\\): one column cannot be both; map transaction_id to its own column, or leave it out$`));
  });

  // The preset reads that column as the transaction and as the refund's refund_of itself, and makes a refund
  // row's transaction id apart (`<id>/refund`); mapped, each refund took its payment's id and was dropped as its
  // duplicate (Stripe: 112.70 USD published as 49.50). Refused, saying to leave it to the preset.
  it.each([
    ['stripe_unified_payments.csv', 'stripe', 'id', 'id'],
    ['adapty_events.csv', 'adapty', 'transaction_id', 'transaction_id'],
    ['shopify_orders_export.csv', 'shopify', 'Name', 'Name'],
  ] as const)('%s (%s): transaction_id mapped to the column the preset reads it from is refused: its refunds would be duplicates', async (file, preset, mapped, column) => {
    const err = await runPreset({ 'e.csv': file }, { inputs: [{ path: 'e.csv', preset, map: { transaction_id: mapped } }], matrices: MONTHLY }, '2026-04-01T00:00:00Z')
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(new RegExp(`e\\.csv: --map transaction_id: the ${preset} preset reads the column "${column}" as transaction_id and as refund_of itself, with its own rule for its refund rows; mapped, that rule is dropped and each refund would be a duplicate of its payment: leave transaction_id out of the map$`));
  });

  // Whatever column: a payment and its refund made of one row both took that row's value (Stripe's `Invoice
  // ID`, unique per charge: 112.70 USD published as 49.50, its refunds dropped as duplicates).
  it.each([
    ['stripe_unified_payments.csv', 'stripe', 'Invoice ID'],
    ['shopify_orders_export.csv', 'shopify', 'Lineitem sku'],
  ] as const)('%s (%s): transaction_id mapped to any other column (%s) is refused: its payments and refunds share a row', async (file, preset, mapped) => {
    const err = await runPreset({ 'e.csv': file }, { inputs: [{ path: 'e.csv', preset, map: { transaction_id: mapped } }], matrices: MONTHLY }, '2026-04-01T00:00:00Z')
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(new RegExp(`e\\.csv: --map transaction_id: the ${preset} preset makes a payment and its refund of one row, each with a transaction id of its own; mapped, the refund would take its payment's and be dropped as its duplicate: leave transaction_id out of the map$`));
  });

  // Adapty's refund events name their purchase by its transaction_id: with the payments' ids read from
  // profile_event_id, no refund found its payment and each counted at its own time (LTV 30d 5.00 as 30.00).
  it.each([
    ['adapty_events.csv', 'adapty', 'profile_event_id'],
    ['paddle_transactions.csv', 'paddle', 'invoice_number'],
  ] as const)('%s (%s): transaction_id mapped to another column (%s) is refused: its refunds would find no payment', async (file, preset, mapped) => {
    const err = await runPreset({ 'e.csv': file }, { inputs: [{ path: 'e.csv', preset, map: { transaction_id: mapped } }], matrices: MONTHLY }, '2026-03-01T00:00:00Z')
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(new RegExp(`e\\.csv: --map transaction_id: the ${preset} preset links each refund to its payment by the payment's transaction id; mapped to another column, no refund would find its payment: leave transaction_id out of the map$`));
  });

  it('a map of a dimension to an id column of the preset still runs (a charge id as the product segments only)', async () => {
    const { result } = await runPreset({ 'e.csv': 'stripe_unified_payments.csv' }, { inputs: [{ path: 'e.csv', preset: 'stripe', map: { product_id: 'id' } }], matrices: MONTHLY }, '2026-03-01T00:00:00Z');
    expect(result.stats).toMatchObject({ transactions: 5, refund_rows: 2 });
  });
});
