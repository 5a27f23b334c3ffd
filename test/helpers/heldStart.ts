// A command started with its start held where a slow machine holds it, for tests of a signal that comes
// then. The holds are module hooks (test fixtures, not ltv's) that write a marker file when they begin;
// startHeld resolves once it exists, so the signal is sent at that moment and no sooner.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));

export const HOLDS = {
  /** Resolving commander, which main.js imports, waits 5 s: the launcher runs, no command has begun. */
  resolving: "import { writeFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  if (specifier === 'commander') {\n    writeFileSync(process.env.LTV_TEST_MARKER, 'resolving');\n    await new Promise((r) => setTimeout(r, 5000));\n  }\n  return next(specifier, context);\n}\n",
  /**
   * Commander's evaluation is busy for 3 s: a signal then comes while JavaScript cannot take it, and is
   * dispatched only once the command has begun.
   */
  evaluating: "export async function load(url, context, next) {\n  const r = await next(url, context);\n  if (!/[\\/]commander[\\/]esm\\.mjs$/.test(url)) return r;\n  const busy = `import { writeFileSync as w$ } from 'node:fs';\\nw$(process.env.LTV_TEST_MARKER, 'busy');\\nfor (const t$ = Date.now(); Date.now() - t$ < 3000;);\\n`;\n  return { ...r, source: busy + String(r.source) };\n}\n",
  /** Loading pino, the first thing the worker's and the server's actions import, waits 3 s: the command has begun. */
  loading: "import { writeFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  if (specifier === 'pino') {\n    writeFileSync(process.env.LTV_TEST_MARKER, 'loading');\n    await new Promise((r) => setTimeout(r, 3000));\n  }\n  return next(specifier, context);\n}\n",
} as const;

export interface HeldCommand {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

/** `ltv <args>` in `dir` with its start held by `hold`; resolves when the hold has begun. */
export async function startHeld(dir: string, hold: keyof typeof HOLDS, args: string[], env: NodeJS.ProcessEnv = {}): Promise<HeldCommand> {
  writeFileSync(join(dir, 'hooks.mjs'), HOLDS[hold]);
  writeFileSync(join(dir, 'hold.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  const marker = join(dir, 'marker');
  const child = spawn(process.execPath, ['--import', join(dir, 'hold.mjs'), BIN, ...args],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env, LTV_TEST_MARKER: marker }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  for (const until = Date.now() + 30_000; !(await access(marker).then(() => true, () => false));) {
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the ${hold} hold never began: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { exited, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}
