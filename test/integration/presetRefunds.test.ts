// SPEC §3 presets: a refunded amount written with thousands separators, or that is no number, never makes
// the refund vanish (the payment then counted in full, nothing quarantined); a fee, tax, earnings or
// outstanding balance that is no number makes its row a bad row instead of being read as none; converted
// refunds and commission shares are exact (SPEC §4). Hand-computed cohorts below.
import { readFile } from 'node:fs/promises';
import { describe, it } from 'vitest';
import { grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];

async function run(name: string, text: string, preset: 'stripe' | 'shopify' | 'paddle', asOf: string, maxBadRowShare = 0.5) {
  const fx = await makeFixture({ [name]: text });
  try {
    const result = await runJob(fx, { inputs: [{ path: name, preset }], formats: ['json'], matrices: MONTHLY, max_bad_row_share: maxBadRowShare, forecast: { model: 'off' } }, asOf);
    const { report, dir } = await readLatest(fx);
    const quarantine = (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n').slice(1).map((l) => l.replace(fx.dir, '<dir>'));
    return { result, report, quarantine };
  } finally {
    await fx.cleanup();
  }
}

describe.concurrent('preset refunds', () => {
  it('stripe: "1,250.00" in Amount Refunded and Fee is read, and a refunded amount that is no number is quarantined', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,Fee,Converted Currency,Status,Customer ID',
      'ch_1,2026-01-05 10:00:00,"1,250.00","1,250.00",usd,"1,250.00","1,250.00",36.55,usd,Refunded,cus_A',
      'ch_2,2026-01-06 10:00:00,"1,100.00",100.00,eur,"1,200.00",120.00,"1,020.00",usd,Paid,cus_B',
      'ch_3,2026-01-07 10:00:00,10.00,abc,usd,10.00,abc,0.59,usd,Paid,cus_C',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('unified_payments.csv', text, 'stripe', '2026-01-31T00:00:00Z');
    // cus_A 1250 − 1250 = 0; cus_B 1200 − 100 EUR at its charge's rate (100 × 1200 / 1100 = 109.0909; Stripe's
    // 120.00 is at the refund day's) = 1090.9091; cus_C 10 (its refund "abc" quarantined, line 4).
    // January p0 = 1100.9091 / 3 = 366.9697 → 366.97. Before: both refunds dropped, (1250 + 1200 + 10) / 3 = 820.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [366.97], '2026-01-01': [366.97] });
    // Proceeds: A 1250 − 36.55 = 1213.45, all taken back: 0; B 1200 − 1020 = 180, 109.0909/1200 of it taken
    // back: 163.6364; C 10 − 0.59 = 9.41. (0 + 163.6364 + 9.41) / 3 = 57.6821 → 57.68 (the fee "1,020.00" read
    // as none before).
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [57.68], '2026-01-01': [57.68] });
    // 3 charges + 3 refund rows; one quarantined.
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([6, 1]);
    expect(quarantine).toEqual(['<dir>/unified_payments.csv,4,"amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): ""abc""",default,cus_C']);
  });

  it('stripe: a converted charge with nothing refunded makes no refund row, whatever its Converted Amount holds', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Currency,Status,Customer ID,Captured',
      'ch_1,2026-02-01 03:00:00,20.00,0.00,eur,abc,usd,Paid,cus_A,true',
      'ch_2,2026-02-01 03:00:00,20.00,0.00,usd,20.00,usd,Paid,cus_B,true',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('unified_payments.csv', text, 'stripe', '2026-03-16T00:00:00Z', 0.9);
    // Two charges, no refund: ch_1 quarantined once (its Converted Amount), cus_B's 20 alone. Before: a refund
    // row of ch_1 as well, read and quarantined (3 read, 2 quarantined, the line twice in quarantine.csv).
    expect(grid(report.matrices[0]!)).toEqual({ Total: [20, 20], '2026-02-01': [20, 20] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([2, 1]);
    expect(quarantine).toHaveLength(1);
    expect(quarantine[0]).toMatch(/^<dir>\/unified_payments\.csv,2,.*"abc".*,default,cus_A$/);
  });

  it('stripe: Status Refunded in an export without Amount Refunded takes the whole charge back (it counted as paid)', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Currency,Status,Customer ID',
      'ch_1,2026-01-05 10:00:00,20.00,usd,Refunded,cus_A',
      'ch_2,2026-01-06 10:00:00,30.00,usd,Paid,cus_B',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('unified_payments.csv', text, 'stripe', '2026-01-31T00:00:00Z');
    // cus_A 20 − 20 = 0, cus_B 30: p0 = 30 / 2 = 15 (before: 50 / 2 = 25).
    expect(grid(report.matrices[0]!)).toEqual({ Total: [15], '2026-01-01': [15] });
    expect([result.stats.rows_read, result.stats.rows_quarantined, quarantine]).toEqual([3, 0, []]);
  });

  it('shopify: a Refunded Amount that is no number ("12,50") is quarantined, not dropped', async ({ expect }) => {
    const text = [
      'Name,Email,Financial Status,Currency,Total,Taxes,Created at,Refunded Amount,Id',
      '#1001,ann@example.com,paid,USD,60.00,5.00,2026-01-05 10:00:00 -0500,0.00,5001',
      '#1002,bob@example.com,partially_refunded,USD,40.00,0.00,2026-01-20 12:00:00 -0500,"12,50",5002',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('orders_export.csv', text, 'shopify', '2026-01-31T00:00:00Z');
    // ann 60, bob 40 (his refund's amount is no number: quarantined at line 3). p0 = 100 / 2 = 50.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [50], '2026-01-01': [50] });
    // 2 orders + 1 refund row, which is quarantined (before: 2 rows read, 0 quarantined).
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([3, 1]);
    expect(quarantine).toEqual(['<dir>/orders_export.csv,3,"amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): ""12,50""",default,bob@example.com']);
  });

  it('shopify: refunded without a Refunded Amount (no column, or an empty cell) takes the whole Total back; partially_refunded without one, or either with one of 0, is quarantined, not counted in full', async ({ expect }) => {
    const noColumn = [
      'Name,Email,Financial Status,Currency,Taxes,Total,Created at,Id',
      '#1001,ann@example.com,paid,USD,0.00,50.00,2026-01-05 10:00:00 -0500,5001',
      '#1002,bob@example.com,refunded,USD,0.00,20.00,2026-01-07 10:00:00 -0500,5002',
      '#1003,cy@example.com,partially_refunded,USD,0.00,30.00,2026-01-08 10:00:00 -0500,5003',
    ].join('\n') + '\n';
    const a = await run('orders_export.csv', noColumn, 'shopify', '2026-01-31T00:00:00Z', 0.5);
    // ann 50, bob 20 − 20 = 0 (refunded in full), cy's order quarantined (line 4: how much was refunded is not in
    // the file). p0 = 50 / 2 = 25. Before: bob counted 20 and cy 30, nothing quarantined: 100 / 3 = 33.33.
    expect(grid(a.report.matrices[0]!)).toEqual({ Total: [25], '2026-01-01': [25] });
    // 3 orders + bob's refund row; cy's order quarantined.
    expect([a.result.stats.rows_read, a.result.stats.rows_quarantined]).toEqual([4, 1]);
    expect(a.quarantine).toEqual([
      '<dir>/orders_export.csv,4,"the file has no column Refunded Amount, and this order\'s Financial Status is ""partially_refunded"": part of it was refunded and the file does not say how much; export the orders again with that column",default,cy@example.com',
    ]);

    const emptyCells = [
      'Name,Email,Financial Status,Currency,Taxes,Total,Created at,Lineitem name,Refunded Amount,Id',
      '#1001,ann@example.com,paid,USD,0.00,50.00,2026-01-05 10:00:00 -0500,Shirt,0.00,5001',
      '#1002,bob@example.com,refunded,USD,0.00,20.00,2026-01-07 10:00:00 -0500,Mug,,5002',
      // bob's second line item: no order fields, its Refunded Amount empty too.
      '#1002,bob@example.com,,,,,2026-01-07 10:00:00 -0500,Cap,,',
      '#1003,cy@example.com,Partially refunded,USD,0.00,30.00,2026-01-08 10:00:00 -0500,Hat,,5003',
      // Refunded with its amount given: that amount, as before.
      '#1004,dee@example.com,refunded,USD,0.00,40.00,2026-01-09 10:00:00 -0500,Mug,15.00,5004',
      // Refunded, or partially, with a Refunded Amount of 0: the file contradicts itself (counted in full before).
      '#1005,eve@example.com,refunded,USD,0.00,25.00,2026-01-10 10:00:00 -0500,Mug,0.00,5005',
      '#1006,fay@example.com,partially_refunded,USD,0.00,30.00,2026-01-11 10:00:00 -0500,Hat,0,5006',
    ].join('\n') + '\n';
    const b = await run('orders_export.csv', emptyCells, 'shopify', '2026-01-31T00:00:00Z', 0.5);
    // ann 50, bob 20 − 20 = 0, dee 40 − 15 = 25; cy quarantined (line 5). p0 = 75 / 3 = 25. Before: bob 20 and
    // cy 30 counted, nothing quarantined: (50 + 20 + 30 + 25) / 4 = 31.25.
    expect(grid(b.report.matrices[0]!)).toEqual({ Total: [25], '2026-01-01': [25] });
    // 7 lines + the refund rows of bob and dee; the orders of cy, eve and fay quarantined, their statuses and
    // amounts quoted as the file writes them. Before: eve 25 and fay 30 counted, (75 + 55) / 5 = 26.
    expect([b.result.stats.rows_read, b.result.stats.rows_quarantined]).toEqual([9, 3]);
    expect(b.quarantine).toEqual([
      '<dir>/orders_export.csv,5,"Refunded Amount """" is empty on an order whose Financial Status is ""Partially refunded"": part of it was refunded and the file does not say how much; fill in the amount refunded (the order\'s page in the admin shows it), or export the orders again",default,cy@example.com',
      '<dir>/orders_export.csv,7,"Refunded Amount ""0.00"" is 0 on an order whose Financial Status is ""refunded"" and whose Total is ""25.00"": the file does not say how much was refunded; fill in the amount refunded (the order\'s page in the admin shows it), or export the orders again",default,eve@example.com',
      '<dir>/orders_export.csv,8,"Refunded Amount ""0"" is 0 on an order whose Financial Status is ""partially_refunded"" and whose Total is ""30.00"": the file does not say how much was refunded; fill in the amount refunded (the order\'s page in the admin shows it), or export the orders again",default,fay@example.com',
    ]);
  });
});


describe.concurrent('preset rows that no export of the vendor holds are bad rows quoting the cells, not read as 0 or dropped', () => {
  it('stripe: a paid charge whose Amount is no number beside Converted Amount, or whose amounts are negative', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Currency,Fee,Status,Customer ID',
      'ch_1,2026-01-05 10:00:00,20.00,0.00,usd,20.00,usd,0.88,Paid,cus_A',
      // Its refund was converted at Converted Amount ÷ Amount: it vanished, the payment counted in full (20).
      'ch_2,2026-01-05 10:00:00,$20.00,5.00,usd,20.00,usd,0.88,Partially refunded,cus_B',
      // A paid charge of −20 counted as an unlinked refund; a refund of −5 was dropped.
      'ch_3,2026-01-05 10:00:00,-20.00,0.00,usd,-20.00,usd,0.88,Paid,cus_C',
      'ch_4,2026-01-05 10:00:00,20.00,-5.00,usd,20.00,usd,0.88,Paid,cus_D',
      'ch_5,2026-01-05 10:00:00,,0.00,usd,20.00,usd,0.88,Paid,cus_E',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('unified_payments.csv', text, 'stripe', '2026-01-31T00:00:00Z', 0.9);
    // cus_A alone: 20. Before: A, B, D and E 20 each and C's −20 an unlinked refund.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [20], '2026-01-01': [20] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([5, 4]);
    expect(quarantine).toEqual([
      '<dir>/unified_payments.csv,3,"Amount ""$20.00"" is no number on a paid charge (its refunds and disputes are converted at Converted Amount ÷ Amount); check the column, or export the payments again",default,cus_B',
      '<dir>/unified_payments.csv,4,"Amount ""-20.00"" is negative on a charge of status ""Paid"": Stripe writes no charge below 0 (money given back is its Amount Refunded); check the column",default,cus_C',
      '<dir>/unified_payments.csv,5,"Amount Refunded ""-5.00"" is negative: Stripe writes what a charge gave back as 0 or more; check the column",default,cus_D',
      '<dir>/unified_payments.csv,6,"Amount """" is no number on a paid charge (its refunds and disputes are converted at Converted Amount ÷ Amount); check the column, or export the payments again",default,cus_E',
    ]);
  });

  it('shopify: a Financial Status Shopify does not write, and a negative Refunded Amount', async ({ expect }) => {
    const text = [
      'Name,Email,Financial Status,Currency,Total,Created at,Id,Refunded Amount',
      '#1,a@example.com,paid,USD,50.00,2026-01-05 10:00:00 -0500,1,',
      '#2,b@example.com,piad,USD,50.00,2026-01-05 10:00:00 -0500,2,',
      '#3,c@example.com,Partially refunded,USD,50.00,2026-01-05 10:00:00 -0500,3,-10.00',
      '#4,d@example.com,voided,USD,50.00,2026-01-05 10:00:00 -0500,4,',
      '#5,e@example.com,,USD,99.00,2026-01-06 10:00:00 -0500,5,',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('orders_export.csv', text, 'shopify', '2026-01-31T00:00:00Z', 0.8);
    // a 50; d's voided order is no payment. Before: b's "piad" read as 0 and c's −10 refund dropped: (50 + 50) / 2;
    // e's order without a status counted as paid: (50 + 50 + 99) / 3.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [50], '2026-01-01': [50] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([5, 3]);
    expect(quarantine).toEqual([
      '<dir>/orders_export.csv,3,"Financial Status ""piad"" is none of Shopify\'s financial statuses (pending, authorized, partially_paid, paid, partially_refunded, refunded, voided, expired): set aside, not read as 0 (it may be a payment); check the column",default,b@example.com',
      '<dir>/orders_export.csv,4,"Refunded Amount ""-10.00"" is negative: Shopify writes what an order gave back as 0 or more; check the column",default,c@example.com',
      '<dir>/orders_export.csv,6,"Financial Status """" is none of Shopify\'s financial statuses (pending, authorized, partially_paid, paid, partially_refunded, refunded, voided, expired): set aside, not read as 0 (it may be a payment); check the column",default,e@example.com',
    ]);
  });

  it('paddle: a transaction or adjustment status Paddle does not write', async ({ expect }) => {
    const text = [
      'id,status,customer_id,billed_at,created_at,currency_code,total,action,transaction_id',
      'txn_1,completed,ctm_1,2026-01-05T10:00:00Z,,USD,1100,,',
      'txn_2,compelted,ctm_2,2026-01-05T10:00:00Z,,USD,1100,,',
      'txn_3,Canceled,ctm_3,2026-01-05T10:00:00Z,,USD,1100,,',
      'adj_1,aproved,ctm_1,,2026-01-06T10:00:00Z,USD,100,refund,txn_1',
      'txn_4,,ctm_4,2026-01-05T10:00:00Z,,USD,5000,,',
      'adj_2,,ctm_1,,2026-01-07T10:00:00Z,USD,200,refund,txn_1',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('transactions.csv', text, 'paddle', '2026-01-31T00:00:00Z', 0.8);
    // ctm_1 11.00 (its refunds set aside); ctm_3's canceled transaction is no payment. Before: "compelted" and
    // "aproved" read as 0, the same 11.00 with nothing quarantined; an empty status read as paid (ctm_4 50.00)
    // and as approved (adj_2 took 2.00 back): (9 + 50) / 2 = 29.5.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [11], '2026-01-01': [11] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([6, 4]);
    expect(quarantine).toEqual([
      '<dir>/transactions.csv,3,"status ""compelted"" is none of Paddle\'s transaction statuses (draft, ready, billed, paid, completed, canceled, past_due): set aside, not read as 0 (it may be a payment); check the column",default,ctm_2',
      '<dir>/transactions.csv,5,"status ""aproved"" is none of Paddle\'s adjustment statuses (pending_approval, approved, rejected, reversed): set aside, not read as 0 (it may take money back); check the column",default,ctm_1',
      '<dir>/transactions.csv,6,"status """" is none of Paddle\'s transaction statuses (draft, ready, billed, paid, completed, canceled, past_due): set aside, not read as 0 (it may be a payment); check the column",default,ctm_4',
      '<dir>/transactions.csv,7,"status """" is none of Paddle\'s adjustment statuses (pending_approval, approved, rejected, reversed): set aside, not read as 0 (it may take money back); check the column",default,ctm_1',
    ]);
  });
});
/** quarantine.csv's line for a value the check rejects as no decimal (06_check_rows.sql's reasons). */
function notDecimal(file: string, line: number, column: 'amount' | 'proceeds' | 'net_revenue', value: string, customer: string): string {
  const rule = column === 'amount' ? 'digits, a dot, at most 4 decimals; no separators or exponent' : 'digits, a dot, at most 4 decimals';
  return `<dir>/${file},${line},"${column} is not a decimal number (${rule}): ""${value}""",default,${customer}`;
}

describe.concurrent('preset fees, taxes and balances that are no number are bad rows, not "none"', () => {
  it('stripe: a Fee that is no number quarantines the charge (its refund too); an empty Fee is no fee; a failed charge is not read', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Currency,Fee,Status,Customer ID',
      'ch_1,2026-01-05 10:00:00,10.00,0.00,usd,10.00,usd,0.50,Paid,cus_1',
      'ch_2,2026-01-05 10:00:00,10.00,0.00,usd,10.00,usd,abc,Paid,cus_2',
      'ch_3,2026-01-05 10:00:00,10.00,0.00,usd,10.00,usd,"0,50",Paid,cus_3',
      'ch_4,2026-01-06 10:00:00,20.00,5.00,usd,20.00,usd,xyz,Paid,cus_4',
      'ch_5,2026-01-06 10:00:00,20.00,0.00,usd,20.00,usd,,Paid,cus_5',
      'ch_6,2026-01-07 10:00:00,15.00,0.00,usd,15.00,usd,abc,Failed,cus_6',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('unified_payments.csv', text, 'stripe', '2026-01-31T00:00:00Z', 0.9);
    // In the cohort: cus_1 10 and cus_5 20 (cus_6 failed: amount 0, no cohort, its Fee not read).
    // p0 = 30 / 2 = 15. Before: cus_2..cus_4 counted too, (10 + 10 + 10 + (20 − 5) + 20) / 5 = 13.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [15], '2026-01-01': [15] });
    // Proceeds: cus_1 10 − 0.50 = 9.50; cus_5 (empty Fee: no fee) 20. (9.50 + 20) / 2 = 14.75.
    // Before: "abc", "0,50" and "xyz" read as no fee: (9.50 + 10 + 10 + 15 + 20) / 5 = 12.90.
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [14.75], '2026-01-01': [14.75] });
    // 6 charges + 1 refund row (ch_4); ch_2, ch_3 and both rows of ch_4 (line 5) quarantined.
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([7, 4]);
    expect(quarantine).toEqual([
      notDecimal('unified_payments.csv', 3, 'proceeds', 'abc', 'cus_2'),
      notDecimal('unified_payments.csv', 4, 'proceeds', '0,50', 'cus_3'),
      notDecimal('unified_payments.csv', 5, 'proceeds', 'xyz', 'cus_4'),
      notDecimal('unified_payments.csv', 5, 'proceeds', 'xyz', 'cus_4'),
    ]);
  });

  it('paddle: a fee, earnings or tax that is no number quarantines the transaction; empty ones are none', async ({ expect }) => {
    const text = [
      'id,status,customer_id,billed_at,currency_code,tax,grand_total,fee,earnings',
      'txn_1,completed,ctm_1,2026-01-05T10:00:00Z,USD,100,1100,105,895',
      'txn_2,completed,ctm_2,2026-01-06T10:00:00Z,USD,100,1100,abc,895',
      'txn_3,completed,ctm_3,2026-01-07T10:00:00Z,USD,100,1100,105,xyz',
      'txn_4,completed,ctm_4,2026-01-08T10:00:00Z,USD,1.0.0,1100,105,',
      'txn_5,completed,ctm_5,2026-01-09T10:00:00Z,USD,,2200,,',
      'txn_6,past_due,ctm_6,2026-01-10T10:00:00Z,USD,100,1100,abc,xyz',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('transactions.csv', text, 'paddle', '2026-01-31T00:00:00Z', 0.9);
    // Lowest denomination: 1100 = 11.00 USD. In the cohort: ctm_1 11.00 and ctm_5 22.00 (txn_6 past_due: 0).
    // p0 = 33 / 2 = 16.50. Before: ctm_2..ctm_4 counted too, (11 × 4 + 22) / 5 = 13.20.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [16.5], '2026-01-01': [16.5] });
    // Proceeds: ctm_1 11.00 − 1.05 = 9.95; ctm_5 (no fee) 22. (9.95 + 22) / 2 = 15.975 → 15.98.
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [15.98], '2026-01-01': [15.98] });
    // Net: ctm_1 earnings 8.95; ctm_5 (no earnings, fee or tax) 22. (8.95 + 22) / 2 = 15.475 → 15.48.
    // Before: ctm_2 proceeds 11 (fee "abc" as none), ctm_3 net 11 − 1.05 − 1 = 8.95 ("xyz" as none), ctm_4
    // net = its proceeds 9.95 (tax "1.0.0" as none).
    expect(grid(report.matrices[0]!, 'net_revenue')).toEqual({ Total: [15.48], '2026-01-01': [15.48] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([6, 3]);
    expect(quarantine).toEqual([
      notDecimal('transactions.csv', 3, 'proceeds', 'abc', 'ctm_2'),
      notDecimal('transactions.csv', 4, 'net_revenue', 'xyz', 'ctm_3'),
      notDecimal('transactions.csv', 5, 'net_revenue', '1.0.0', 'ctm_4'),
    ]);
  });

  it('shopify: an Outstanding Balance or Taxes that is no number quarantines the order (its refund too); empty ones keep their meaning', async ({ expect }) => {
    const text = [
      'Name,Email,Financial Status,Currency,Total,Taxes,Created at,Refunded Amount,Outstanding Balance,Id',
      '#1001,ann@example.com,partially_paid,USD,100.00,0.00,2026-01-05 10:00:00 -0500,0.00,40.00,5001',
      '#1002,bob@example.com,partially_paid,USD,100.00,0.00,2026-01-06 10:00:00 -0500,0.00,xyz,5002',
      '#1003,cy@example.com,paid,USD,50.00,abc,2026-01-07 10:00:00 -0500,10.00,0.00,5003',
      '#1004,dee@example.com,paid,USD,30.00,3.00,2026-01-08 10:00:00 -0500,0.00,,5004',
      '#1005,eve@example.com,partially_paid,USD,80.00,8.00,2026-01-09 10:00:00 -0500,0.00,,5005',
      '#1006,fay@example.com,paid,USD,20.00,,2026-01-10 10:00:00 -0500,0.00,,5006',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('orders_export.csv', text, 'shopify', '2026-01-31T00:00:00Z');
    // In the cohort: ann 100 − 40 = 60; dee 30; eve 80 − 0 (empty Outstanding Balance: 0) = 80; fay 20.
    // p0 = 190 / 4 = 47.50. Before: bob 100 ("xyz" as 0) and cy 50 − 10 = 40 too: 330 / 6 = 55.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [47.5], '2026-01-01': [47.5] });
    // Net: ann 60 and eve 80 (partially_paid: no net revenue, so net = amount), dee 30 − 3 = 27, fay 20 (empty
    // Taxes: no net revenue, so net = amount). (60 + 27 + 80 + 20) / 4 = 46.75.
    expect(grid(report.matrices[0]!, 'net_revenue')).toEqual({ Total: [46.75], '2026-01-01': [46.75] });
    // 6 orders + 1 refund row (#1003); bob's order and both rows of cy's (line 4) quarantined.
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([7, 3]);
    expect(quarantine).toEqual([
      notDecimal('orders_export.csv', 3, 'amount', 'xyz', 'bob@example.com'),
      notDecimal('orders_export.csv', 4, 'net_revenue', 'abc', 'cy@example.com'),
      notDecimal('orders_export.csv', 4, 'net_revenue', 'abc', 'cy@example.com'),
    ]);
  });
});

describe('stripe: converted refunds and commission shares are exact (SPEC §4: no binary floating point)', () => {
  it('rounds refunded × converted ÷ amount and 100 × fee ÷ converted half away from zero to 4 decimals', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Currency,Fee,Status,Customer ID',
      'ch_1,2026-01-05 10:00:00,20.00,4.17,eur,5.30,usd,,Paid,cus_1',
      'ch_2,2026-02-05 10:00:00,80.00,0.00,usd,70.40,eur,2.09,Paid,cus_2',
    ].join('\n') + '\n';
    const { result, report } = await run('unified_payments.csv', text, 'stripe', '2026-02-28T12:00:00Z');
    // ch_1 (converted to USD, the report currency): refund 4.17 × 5.30 ÷ 20.00 = 1.10505 exactly → 1.1051;
    //   revenue 5.30 − 1.1051 = 4.1949 → 4.19 (in DOUBLE the quotient fell just below 1.10505: 1.1050, 4.1950
    //   → 4.20). ch_2 (settled in EUR: 80.00 USD, the fee as a share): commission 100 × 2.09 ÷ 70.40 = 2.96875
    //   exactly → 2.9688. January p0 = p1 = 4.1949 → 4.19; February p0 80; Total p0 (4.1949 + 80) / 2 =
    //   42.09745 → 42.10, p1 (January only) 4.19.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [42.1, 4.19], '2026-01-01': [4.19, 4.19], '2026-02-01': [80] });
    // Proceeds: ch_1 has no fee: 5.30, the refund takes back 1.1051 of it → 4.1949 → 4.19; ch_2 80 × (1 −
    //   0.029688) = 77.62496 → 77.62 (in DOUBLE 2.9687: 77.62504 → 77.63). Total p0 (4.1949 + 77.62496) / 2
    //   = 40.90993 → 40.91.
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [40.91, 4.19], '2026-01-01': [4.19, 4.19], '2026-02-01': [77.62] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([3, 0]);
  });
});

describe.concurrent('a payment below 0 is a bad row, not a refund of no payment (neither export writes one)', () => {
  it('shopify: an Outstanding Balance on a paid or partially refunded order is not revenue (an edited order may still owe some: it was counted as paid)', async ({ expect }) => {
    const text = [
      'Name,Email,Financial Status,Currency,Taxes,Total,Created at,Outstanding Balance,Refunded Amount,Id',
      '#1,ann@example.com,paid,USD,20.00,220.06,2026-01-05 10:00:00 -0500,11.29,,1',
      '#2,bob@example.com,partially_refunded,USD,0.00,149.44,2026-01-07 10:00:00 -0500,28.23,1.54,2',
      '#3,cy@example.com,paid,USD,2.00,40.00,2026-01-08 10:00:00 -0500,0.00,,3',
    ].join('\n') + '\n';
    const { result, report } = await run('orders_export.csv', text, 'shopify', '2026-01-31T00:00:00Z', 0);
    // ann 220.06 − 11.29 = 208.77; bob 149.44 − 28.23 = 121.21, less 1.54 refunded: 119.67; cy 40. Revenue
    // 368.44 over 3: 122.81 (it was 220.06 + 147.90 + 40 = 407.96: 135.99).
    expect(report.summary).toMatchObject({ customers: 3, revenue: 368.44 });
    expect(grid(report.matrices[0]!)).toEqual({ Total: [122.81], '2026-01-01': [122.81] });
    expect(result.stats.rows_quarantined).toBe(0);
  });

  it('shopify: an Outstanding Balance above the Total of a partially paid order, or a negative Total, quarantines the order (its refund too)', async ({ expect }) => {
    const text = [
      'Name,Email,Financial Status,Currency,Total,Created at,Outstanding Balance,Refunded Amount,Id',
      '#1,ann@example.com,paid,USD,40.00,2026-01-05 10:00:00 -0500,0.00,,1',
      '#2,bob@example.com,partially_paid,USD,40.00,2026-01-07 10:00:00 -0500,50.00,,2',
      '#3,cy@example.com,partially_paid,USD,40.00,2026-01-08 10:00:00 -0500,15.00,,3',
      '#4,di@example.com,paid,USD,-10.00,2026-01-09 10:00:00 -0500,,5.00,4',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('orders_export.csv', text, 'shopify', '2026-01-31T00:00:00Z', 0.9);
    // ann 40, cy 40 − 15 = 25: p0 = 65 / 2 = 32.50. bob's 40 − 50 (line 3) and di's −10 with its refund of 5
    // (line 5, two rows) were refunds of no payment (customers in no cohort), counted nowhere as bad.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [32.5], '2026-01-01': [32.5] });
    expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.refunds_unlinked, result.stats.movements_without_customer]).toEqual([5, 3, 0, 0]);
    const negativeTotal = '<dir>/orders_export.csv,5,"Total ""-10.00"" is negative: Shopify\'s export writes no order total below 0 (what an order gives back is its Refunded Amount)",default,di@example.com';
    expect(quarantine).toEqual([
      '<dir>/orders_export.csv,3,"Outstanding Balance ""50.00"" is more than Total ""40.00"" of the order: its paid amount would be negative, which Shopify\'s export never writes",default,bob@example.com',
      negativeTotal,
      negativeTotal,
    ]);
  });

  it('paddle: a completed or paid transaction whose grand_total is negative is quarantined naming it; one that is not paid is not read', async ({ expect }) => {
    const text = [
      'id,status,customer_id,currency_code,total,grand_total,fee,earnings,billed_at',
      'txn_1,completed,ctm_1,USD,1100,-1100,105,895,2026-01-05T10:00:00Z',
      'txn_2,completed,ctm_2,USD,1100,1100,105,895,2026-01-05T10:00:00Z',
      'txn_3,paid,ctm_3,USD,2.50,-2.50,,,2026-01-06T10:00:00Z',
      'txn_4,past_due,ctm_4,USD,1100,-1100,,,2026-01-07T10:00:00Z',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('transactions.csv', text, 'paddle', '2026-01-31T00:00:00Z');
    // ctm_2 alone pays: 11.00; proceeds 11.00 − 1.05 = 9.95; net = earnings 8.95. ctm_4's past_due carries no
    // money (amount 0, not checked). txn_1 (−11.00) and txn_3 (−2.50) were refunds of no payment.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [11], '2026-01-01': [11] });
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [9.95], '2026-01-01': [9.95] });
    expect(grid(report.matrices[0]!, 'net_revenue')).toEqual({ Total: [8.95], '2026-01-01': [8.95] });
    expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.refunds_unlinked, result.stats.movements_without_customer]).toEqual([4, 2, 0, 0]);
    const negative = (line: number, value: string, status: string, customer: string): string =>
      `<dir>/transactions.csv,${line},"grand_total ""${value}"" is negative on a transaction of status ""${status}"": Paddle writes no payment below 0 (money given back is an adjustment, a refund or chargeback)",default,${customer}`;
    expect(quarantine).toEqual([negative(2, '-1100', 'completed', 'ctm_1'), negative(4, '-2.50', 'paid', 'ctm_3')]);
  });

  it('paddle: a grand_total above total, a fee below 0 or earnings above total is a bad row quoting the file\'s cells, not the converted amounts', async ({ expect }) => {
    const text = [
      'id,status,customer_id,currency_code,total,grand_total,fee,earnings,billed_at',
      'txn_1,completed,ctm_1,USD,1100,1100,105,895,2026-01-05T10:00:00Z',
      'txn_2,completed,ctm_2,USD,1100,2200,105,895,2026-01-05T10:00:00Z',
      'txn_3,completed,ctm_3,USD,1100,1100,-105,895,2026-01-05T10:00:00Z',
      'txn_4,completed,ctm_4,USD,1100,1100,105,5000,2026-01-05T10:00:00Z',
      'txn_5,past_due,ctm_5,USD,1100,2200,-105,5000,2026-01-05T10:00:00Z',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('transactions.csv', text, 'paddle', '2026-01-31T00:00:00Z', 0.9);
    // ctm_1 alone pays: 11.00, proceeds 11.00 − 1.05 = 9.95, net = earnings 8.95 (ctm_5's past_due carries no
    // money and is not checked). Before: ctm_2 counted 22.00 with proceeds and net scaled by 2200 / 1100 (19.90,
    // 17.90): 16.50 in the cohort; ctm_3 and ctm_4 quarantined by the check quoting "12.0500" and "50.0000".
    expect(grid(report.matrices[0]!)).toEqual({ Total: [11], '2026-01-01': [11] });
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [9.95], '2026-01-01': [9.95] });
    expect(grid(report.matrices[0]!, 'net_revenue')).toEqual({ Total: [8.95], '2026-01-01': [8.95] });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([5, 3]);
    expect(quarantine).toEqual([
      '<dir>/transactions.csv,3,"grand_total ""2200"" is more than total ""1100"": Paddle\'s grand total is the total less the credits that paid part of it; check the columns are this transaction\'s",default,ctm_2',
      '<dir>/transactions.csv,4,"fee ""-105"" is negative: Paddle\'s fee on a transaction is 0 or more; check the column",default,ctm_3',
      '<dir>/transactions.csv,5,"earnings ""5000"" is more than total ""1100"": earnings are what Paddle pays out of the total after tax and its fee; check the columns are this transaction\'s",default,ctm_4',
    ]);
  });
});
