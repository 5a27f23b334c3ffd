import { describe, expect, it } from 'vitest';
import { adaptyToCsv } from '../../src/report/adaptyCsv.js';
import type { AdaptyMetric, AdaptyResponse } from '../../src/report/apiTypes.js';

const metric = (rows: AdaptyMetric['data']): AdaptyMetric => ({ title: 'LTV', unit: 'USD', description: '', value: 0, data: rows });

describe('adaptyToCsv', () => {
  it('pads rows to the longest period, quotes per RFC 4180 and neutralises formula text only', () => {
    const rows: AdaptyMetric['data'] = [
      { title: 'Total', type: 'total', value: 3, cohort_size: 10, values: [{ period: 0, value: 1.5 }, { period: 1, value: 3 }, { period: 2, value: -0.25 }] },
      { title: '+1 "quoted", text', type: 'segment', value: 1, cohort_size: 2, values: [{ period: 0, value: 1 }] },
      { title: '@SUM(A1)', type: 'segment', value: 0, cohort_size: 1, values: [] },
      { title: '\tTab', type: 'segment', value: 0, cohort_size: 1, values: [{ period: 1, value: -2 }] },
      { title: 'line\nbreak', type: 'segment', value: 0, cohort_size: 1, values: [] },
    ];
    const resp: AdaptyResponse = { revenue: metric(rows), proceeds: metric([]), net_revenue: metric(rows.slice(0, 1)) };
    expect(adaptyToCsv(resp).split('\r\n')).toEqual([
      'accounting_type,title,type,cohort_size,period_0,period_1,period_2',
      'revenue,Total,total,10,1.5,3,-0.25',
      `revenue,"'+1 ""quoted"", text",segment,2,1,,`,
      "revenue,'@SUM(A1),segment,1,,,",
      "revenue,'\tTab,segment,1,,-2,",
      'revenue,"line\nbreak",segment,1,,,',
      'net_revenue,Total,total,10,1.5,3,-0.25',
      '',
    ]);
  });

  it('an empty response is just the header', () => {
    expect(adaptyToCsv({ revenue: metric([]), proceeds: metric([]), net_revenue: metric([]) })).toBe('accounting_type,title,type,cohort_size\r\n');
  });
});
