// The `ltv` command line (SPEC §8). Each command lives in its own file and registers itself here; the
// commands are thin: they parse flags and call a stage. A user mistake is one line on stderr and exit 1.
// Each command imports what it needs when it runs: `ltv --help` and `--version` load only commander.
// DuckDB's allocator settings first, before any command loads DuckDB (duckdbAllocator.ts says why).
import '../warehouse/duckdbAllocator.js';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { isAppError } from '../config/AppError.js';
import { showSeparators, visibleText } from '../format/text.js';
import { registerEnqueue } from './enqueueCommand.js';
import { registerKeys } from './keysCommand.js';
import { registerRun } from './runCommand.js';
import { registerServe } from './serveCommand.js';
import { registerWorker } from './workerCommand.js';
import { signalMode } from './signalMode.js';

const program = new Command('ltv')
  .description('Cohort lifetime-value reports from transaction exports')
  // src/cli/ and dist/cli/ both sit two levels below package.json.
  .version((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version, '-v, --version', 'print the version')
  // The program's options (-v, -h) before its command only: commander took -v anywhere on the line, and
  // `ltv run job.json -v` printed the version and ran nothing, exit 0. After a command it is that command's
  // unknown flag, refused as any other.
  .enablePositionalOptions();

/**
 * One terminal line: a line break (a lone CR too) becomes "; ", a control character from data (ESC, U+009B) its
 * picture or [U+009B], and a line or paragraph separator from data [U+2028] or [U+2029], as visibleLine shows them.
 */
function oneLine(text: string): string {
  return showSeparators(visibleText(text).trim().replace(/\s*[\r\n]+\s*/g, '; '));
}

// The launcher's (bin.mjs) early signal lines end where a command's action begins: from there the command
// handles signals its own way (ltv run's interrupted run, the worker's and the server's shutdown, each
// saying so with signalMode) or leaves Node's default, as before.
program.hook('preAction', () => signalMode('default'));

registerRun(program);
registerServe(program);
registerKeys(program);
registerWorker(program);
registerEnqueue(program);
refuseRepeatedFlags(program);
usageLines(program);

/**
 * A usage mistake (unknown flag or command, missing argument) is one line, pointing at the help of the
 * command it was made in: `ltv run --bogus` pointed at `ltv --help`, which lists no option of run's.
 * Commander's lines start `error:` and wrap our own flag checks in `option '--port <n>' argument '2' is
 * invalid.`: every line of ltv's starts `ltv:`, and a check's own words say what is wrong.
 * `help [command...]` is ours: commander's printed the whole help to stderr for a command that does not exist.
 */
function usageLines(cmd: Command): void {
  const path = [cmd.name()];
  for (let up = cmd.parent; up; up = up.parent) path.unshift(up.name());
  cmd.configureOutput({ outputError: (text, write) => write(`ltv: ${oneLine(text).replace(/^error: /, '').replace(/^option '[^']*' argument '[^']*' is invalid\. (?=--)/, '')} (run \`${path.join(' ')} --help\` for usage)\n`) });
  for (const sub of cmd.commands) usageLines(sub);
  if (cmd.commands.length === 0) return;
  cmd.command('help [command...]').description('display help for command').action((names: string[]) => {
    let at = cmd;
    for (const name of names) {
      const sub = at.commands.find((c) => c.name() === name && c.name() !== 'help');
      if (!sub) at.error(`unknown command '${name}'`, { code: 'commander.unknownCommand' });
      else at = sub;
    }
    at.help();
  });
}

/**
 * A flag that takes one value, given twice, is refused: commander kept the last one without a word
 * (`ltv run … --tenant a --tenant b` ran as tenant b; `--as-of` twice, the later time). The flags that
 * collect their values (--input, --map, `keys add --tenant`: their own parser, no fixed choices) are left
 * to do so.
 */
function refuseRepeatedFlags(cmd: Command): void {
  for (const opt of cmd.options) {
    if (!(opt.required || opt.optional)) continue;
    const own = opt.parseArg;
    if (own && !opt.argChoices) continue;
    let given = false;
    opt.argParser((value: string, previous: unknown) => {
      if (given) throw new InvalidArgumentError(`${opt.long ?? opt.flags} is given twice: give it once`);
      given = true;
      return own ? own(value, previous) : value;
    });
  }
  for (const sub of cmd.commands) refuseRepeatedFlags(sub);
}

// The version is the whole command line: `ltv -v run job.json` printed it and ran nothing, exit 0.
const [first, ...rest] = process.argv.slice(2);
if ((first === '-v' || first === '--version') && rest.length > 0) {
  program.error('--version takes no command or argument: run `ltv --version` alone', { code: 'ltv.versionWithCommand' });
}

try {
  await program.parseAsync(process.argv);
  // The command has done and said all it had to (serve and worker return only once they stop): it ends. A
  // handle left open must not keep it up: after a Redis outage while `ltv enqueue --wait` followed its run,
  // a connection back from it outlived its close, and the command hung for good after printing the result
  // (and printed ioredis's "Unhandled error event" stacks at the next outage). Unref'd: a process with
  // nothing left open has exited before it fires.
  setTimeout(() => process.exit(), 250).unref();
} catch (e) {
  if (isAppError(e)) {
    process.stderr.write(`ltv: ${oneLine(e.message)}\n`);
    process.exitCode = e.code === 'INTERNAL' ? 70 : 1;
  } else {
    // Not a mistake of the user's: one line still; the stack with LTV_DEBUG=1.
    const detail = e instanceof Error ? (process.env.LTV_DEBUG ? (e.stack ?? e.message) : oneLine(e.message)) : String(e);
    process.stderr.write(`ltv: internal error: ${detail}\n`);
    process.exitCode = 70;
  }
  // The command failed and said so; what it had to undo is undone (its finally blocks ran). Nothing may keep
  // the process alive after its line: a Redis connection never made went on retrying for ~2 s after
  // "cannot reach Redis … within 1000 ms", and a follower whose queue was away hung after its error.
  process.exit();
}
