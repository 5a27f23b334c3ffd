import { pino } from 'pino';
import { loadJob } from '/work/main/src/config/loadJob.js';
import { runPipeline } from '/work/main/src/pipeline.js';
const job = await loadJob(process.argv[2]!);
const t = performance.now();
const r = await runPipeline(job, { logger: pino({ level: 'debug' }, pino.destination(2)) });
console.log(JSON.stringify({ ms: Math.round(performance.now() - t), timings: r.timings }));
