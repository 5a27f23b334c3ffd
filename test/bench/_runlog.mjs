import { pino } from 'pino';
const { runPipeline } = await import('/work/main/dist/pipeline.js');
const { jobFromFlags } = await import('/work/main/dist/config/loadJob.js');
const [csv, rates, out, asOf, model] = process.argv.slice(2);
const job = jobFromFlags({ inputs: [{ path: csv }], rates, tenant: 'bench', max_bad_row_share: 0.05, forecast: { model } }, process.cwd());
const t0 = performance.now();
const logger = pino({ level: 'trace', timestamp: () => `,"ms":${Math.round(performance.now() - t0)}` });
const r = await runPipeline(job, { logger, asOf: new Date(asOf), reportsDir: out });
console.error(JSON.stringify(r.timings), Math.round(performance.now() - t0));
