import { pino } from 'pino';
import { jobFromFlags } from './src/config/loadJob.ts';
import { runPipeline } from './src/pipeline.ts';
const job = jobFromFlags({ inputs: [{ path: '/tmp/ltv-bench/tx-1000000.csv' }], rates: '/tmp/ltv-bench/rates.csv', max_bad_row_share: 0.05 }, process.cwd());
await runPipeline(job, { logger: pino({ level: 'debug' }, pino.destination(2)), asOf: new Date('2026-03-16T15:00:00Z'), reportsDir: '/tmp/ltv-prof' });
