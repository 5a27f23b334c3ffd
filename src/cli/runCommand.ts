import type { Command } from 'commander';

export function registerRun(program: Command): void {
  program.command('run').description('run a job now, in-process (no Redis)');
}
