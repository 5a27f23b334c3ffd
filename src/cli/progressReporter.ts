// Progress for `ltv run`: a bar with stage, rows and elapsed time on a terminal, plain lines otherwise.
import cliProgress from 'cli-progress';
import { formatCountOf } from '../format/money.js';
import type { Progress } from '../pipeline.js';

export interface ProgressReporter {
  update(p: Progress): void;
  stop(): void;
}

export function createProgressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  if (!stream.isTTY) {
    let last = '';
    return {
      update(p) {
        if (p.stage === last && p.percent !== 100) return;
        last = p.stage;
        stream.write(`[${elapsed()}] ${p.stage}: ${p.message ?? ''}${p.rows !== undefined ? ` (${formatCountOf(p.rows, 'row')})` : ''}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {stage} {message} | {rows} rows | {elapsed}', stream, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { stage: 'start', message: '', rows: '-', elapsed: '0.0s' });
  return {
    update(p) {
      bar.update(p.percent, { stage: p.stage, message: p.message ?? '', ...(p.rows !== undefined ? { rows: p.rows } : {}), elapsed: elapsed() });
    },
    stop() {
      bar.stop();
    },
  };
}
