import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer } from '../helpers/startServer.js';
import { httpRequest } from '../helpers/httpRequest.js';
const s = await startServer({ reportsDir: process.argv[2]!, keys: [{ key: 'k_bench_predict_000001', tenants: ['bench'] }] });
const post = async (filters: object) => {
  const t = performance.now();
  const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers: { authorization: 'Api-Key k_bench_predict_000001', 'x-ltv-tenant': 'bench' }, body: JSON.stringify({ filters, period_type: 'days', prediction_months: 24 }) });
  return `${r.status} ${(performance.now() - t).toFixed(0)} ms ${r.text.slice(0, 120)}`;
};
const cut = (d: string) => ({ date: ['1997-01-01', d] });
console.log('first (load + prepare)', await post(cut('1997-01-20')));
const h = monitorEventLoopDelay({ resolution: 5 }); h.enable();
console.log('second', await post(cut('1997-01-21')));
console.log('third', await post(cut('1997-02-21')));
h.disable(); console.log('event loop max block ms', (h.max / 1e6).toFixed(0));
const mu = process.memoryUsage();
console.log('rss MiB', (mu.rss / 2 ** 20).toFixed(0), 'heap', (mu.heapUsed / 2 ** 20).toFixed(0), 'ext', ((mu.external + mu.arrayBuffers) / 2 ** 20).toFixed(0));
await s.stop();
