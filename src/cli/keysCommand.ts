// `ltv keys add --tenant <id> [--plan free|pro|scale] [--keys <file>] [--rpm N] [--admin]` (SPEC §8).
import type { Command } from 'commander';
import { AppError } from '../config/AppError.js';
import type { Plan } from '../serve/KeyStore.js';
import { wholeNumberOf } from '../config/wholeNumber.js';
import { refuseEmpty } from './refuseEmpty.js';

const KEYS_TAKES = 'the keys file (leave the flag out for ./keys.json)';

/** KeyStore's PLANS, spelled out so that `ltv --help` need not load KeyStore and zod (a test checks they agree). */
export const PLAN_NAMES = ['free', 'pro', 'scale'] as const;

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys of the endpoint');
  keys
    .command('add')
    .description('make a new random key, print it once, store only its SHA-256')
    // Not commander's requiredOption: it checks that before unknown flags, so `keys add --bogus` said only
    // that --tenant was missing. Checked in the action, with commander's own line, as other commands check theirs.
    .option('--tenant <id>', 'tenant the key may read (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--plan <plan>', `plan: ${PLAN_NAMES.join('|')}`, 'pro')
    .option('--keys <file>', 'keys file', './keys.json')
    .option('--rpm <n>', 'requests per minute', '60')
    .option('--admin', 'an admin key: may call the admin routes (POST /api/v1/runs, GET /api/v1/runs/:id) and sign in to /admin/queues', false)
    .option('--note <text>', 'a label for operators')
    .action(async (o: { tenant?: string[]; plan: string; keys: string; rpm: string; admin: boolean; note?: string }, cmd: Command) => {
      if (!o.tenant) return cmd.error("required option '--tenant <id>' not specified", { code: 'commander.missingMandatoryOptionValue' });
      refuseEmpty([['--keys', o.keys, KEYS_TAKES], ['--note', o.note, 'a label, or leave the flag out']]);
      const [{ addKey }, { PLANS, MAX_REQUESTS_PER_MINUTE }] = await Promise.all([import('../serve/addKey.js'), import('../serve/KeyStore.js')]);
      if (!(PLANS as readonly string[]).includes(o.plan)) throw new AppError('CONFIG', `--plan must be one of ${PLANS.join(', ')}`);
      const rpm = wholeNumberOf(o.rpm);
      if (!Number.isInteger(rpm) || rpm < 1) throw new AppError('CONFIG', `--rpm: "${o.rpm}" is not a whole number ≥ 1 (requests per minute)`);
      // The server skips an entry above its limit: the key printed here was refused (401) wherever it was used.
      if (rpm > MAX_REQUESTS_PER_MINUTE) throw new AppError('CONFIG', `--rpm: ${o.rpm} requests per minute is more than the server allows a key (${MAX_REQUESTS_PER_MINUTE}): give at most ${MAX_REQUESTS_PER_MINUTE}`);
      const key = await addKey(o.keys, { tenants: o.tenant, plan: o.plan as Plan, requestsPerMinute: rpm, admin: o.admin, note: o.note });
      process.stdout.write(`${key}\n`);
      process.stderr.write(`ltv: key added to ${o.keys} (only its SHA-256 is stored; this is the only time the key is shown)\n`);
    });
  keys
    .command('list')
    .description('list the keys of the file by id (the start of their SHA-256; the keys themselves are never stored)')
    .option('--keys <file>', 'keys file', './keys.json')
    .action(async (o: { keys: string }) => {
      const [{ listKeys }, { visibleLine }] = await Promise.all([import('../serve/editKeys.js'), import('../format/text.js')]);
      refuseEmpty([['--keys', o.keys, KEYS_TAKES]]);
      const rows = listKeys(o.keys);
      const lines = rows.map((k) => [k.id, k.plan, String(k.requests_per_minute ?? '-'), k.admin ? 'admin' : '-', k.tenants.map((t) => JSON.stringify(t)).join(','), k.note ?? '']
        // One line a key, its columns split by tabs alone: a tab or line break inside a note (or a tenant's
        // quoted id) is shown as its symbol, never as a column or a row of its own that could pass for a key.
        .map((c) => visibleLine(c)).join('\t'));
      process.stdout.write(['id\tplan\trpm\tadmin\ttenants\tnote', ...lines].map((l) => `${l}\n`).join(''));
      if (rows.length === 0) process.stderr.write(`ltv: no keys in ${o.keys} (\`ltv keys add --tenant <id> --keys ${o.keys}\` makes one)\n`);
    });
  keys
    .command('remove <id>')
    .description('remove a key (revoke it): id as `ltv keys list` shows it; the server drops it within seconds')
    .option('--keys <file>', 'keys file', './keys.json')
    .action(async (id: string, o: { keys: string }) => {
      const { removeKey } = await import('../serve/editKeys.js');
      refuseEmpty([['--keys', o.keys, KEYS_TAKES]]);
      const was = await removeKey(o.keys, id);
      process.stderr.write(`ltv: key ${was.id} (${was.tenants.join(', ')}) removed from ${o.keys}\n`);
    });
  keys
    .command('rotate <id>')
    .description('replace a key by a new random one with the same tenants, plan and limits; prints the new key once')
    .option('--keys <file>', 'keys file', './keys.json')
    .action(async (id: string, o: { keys: string }) => {
      const { rotateKey } = await import('../serve/editKeys.js');
      refuseEmpty([['--keys', o.keys, KEYS_TAKES]]);
      const r = await rotateKey(o.keys, id);
      process.stdout.write(`${r.key}\n`);
      process.stderr.write(`ltv: key ${r.was.id} replaced by ${r.id} in ${o.keys}: the old key stops working within seconds; this is the only time the new key is shown\n`);
    });
}
