// `ltv keys add --tenant <id> [--plan free|pro|scale] [--keys <file>] [--rpm N] [--admin]` (SPEC §8).
import type { Command } from 'commander';
import { AppError } from '../config/AppError.js';
import type { Plan } from '../serve/KeyStore.js';

/** KeyStore's PLANS, spelled out so that `ltv --help` need not load KeyStore and zod (a test checks they agree). */
export const PLAN_NAMES = ['free', 'pro', 'scale'] as const;

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys of the endpoint');
  keys
    .command('add')
    .description('make a new random key, print it once, store only its SHA-256')
    .requiredOption('--tenant <id>', 'tenant the key may read (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--plan <plan>', `plan: ${PLAN_NAMES.join('|')}`, 'pro')
    .option('--keys <file>', 'keys file', './keys.json')
    .option('--rpm <n>', 'requests per minute', '60')
    .option('--admin', 'an admin key: may call the admin routes (POST /api/v1/runs, GET /api/v1/runs/:id) and sign in to /admin/queues', false)
    .option('--note <text>', 'a label for operators')
    .action(async (o: { tenant: string[]; plan: string; keys: string; rpm: string; admin: boolean; note?: string }) => {
      const [{ addKey }, { PLANS }] = await Promise.all([import('../serve/addKey.js'), import('../serve/KeyStore.js')]);
      if (!(PLANS as readonly string[]).includes(o.plan)) throw new AppError('CONFIG', `--plan must be one of ${PLANS.join(', ')}`);
      const rpm = Number(o.rpm);
      if (!Number.isInteger(rpm) || rpm < 1) throw new AppError('CONFIG', '--rpm must be a positive integer');
      const key = await addKey(o.keys, { tenants: o.tenant, plan: o.plan as Plan, requestsPerMinute: rpm, admin: o.admin, note: o.note });
      process.stdout.write(`${key}\n`);
      process.stderr.write(`ltv: key added to ${o.keys} (only its SHA-256 is stored; this is the only time the key is shown)\n`);
    });
}
