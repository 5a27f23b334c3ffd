// Reads and validates a job file; every message names the file and the field (STYLE habit 6).
import { NotUtf8Error, utf8Text } from './utf8Text.js';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type { z } from 'zod';
import { duplicateKey } from './duplicateKey.js';
import { jsonErrorWhere } from './jsonErrorWhere.js';
import { AppError } from './AppError.js';
import { JobSchema, type Job, type JobInput } from './jobSchema.js';
import { jobIssueMessage, meantPaths } from './jobIssueMessage.js';
import { formatBytes } from '../format/money.js';

/** A field's path as a job file's author reads it: `inputs[0].time_format`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]') : 'the job';
}

export function formatZodIssues(file: string, error: z.ZodError, raw?: unknown, where: (path: readonly PropertyKey[]) => string = (path) => `${file}: ${fieldName(path)}`): string {
  // A field the file misspelt is missing too (`paht` for `path`): its "did you mean" says all, not a second
  // issue that the field is required.
  const meant = new Set(raw === undefined ? [] : error.issues.flatMap(meantPaths).map((p) => JSON.stringify(p)));
  // zod's int() bounds a whole number to the safe integers besides the field's own max() or min(): a seed of
  // 1e300 was told both limits, 9007199254740991 first. The field's own bound is the one to say.
  const bounded = new Set(error.issues.filter((i) => (i.code === 'too_big' || i.code === 'too_small') && i.origin !== 'int').map((i) => `${i.code} ${JSON.stringify(i.path)}`));
  const issues = error.issues.filter((i) => i.code === 'unrecognized_keys' || !meant.has(JSON.stringify(i.path)))
    .filter((i) => !((i.code === 'too_big' || i.code === 'too_small') && i.origin === 'int' && bounded.has(`${i.code} ${JSON.stringify(i.path)}`)));
  const lines = [...new Set(issues.map((i) => `${where(i.path)}: ${raw === undefined ? i.message : jobIssueMessage(i, raw)}`))];
  // One line (every user error is one line): several issues are joined with "; ", each said once (a flag
  // given for every --input is one mistake, not one per input), and the file named once, before the first.
  const named = `${file}: `;
  const rest = lines.every((l) => l.startsWith(named)) ? lines.slice(1).map((l) => l.slice(named.length)) : lines.slice(1);
  return [lines[0] ?? '', ...rest].join('; ');
}

/** The `ltv run` flags that set a job's fields (runCommand.ts flagsToJob), by field. */
const FIELD_FLAGS: Record<string, string> = {
  tenant: '--tenant', timezone: '--timezone', currency: '--currency', rates: '--rates', max_bad_row_share: '--max-bad-row-share',
  path: '--input', preset: '--preset', delimiter: '--delimiter', time_format: '--time-format', map: '--map',
};

/**
 * Where a run from flags went wrong: the flag that set the field (`--timezone`, `--map country`), as the user
 * typed it, not the job field it became (`command line: inputs[0].delimiter`).
 */
function flagAt(input: JobInput, path: readonly PropertyKey[]): string {
  const inInput = path[0] === 'inputs' && typeof path[1] === 'number';
  const rest = inInput ? path.slice(2) : path;
  const flag = FIELD_FLAGS[String(rest[0])];
  // A query input comes from a job object (the programmatic path), never from a flag.
  const query = inInput && (input.inputs as readonly { query?: unknown }[] | undefined)?.[path[1] as number]?.query !== undefined;
  if (!flag || query) return `command line: ${fieldName(path)}`;
  return rest[0] === 'map' && rest.length > 1 ? `${flag} ${String(rest[1])}` : flag;
}

/**
 * Where a string (or a key) of the job holds a NUL character, if anywhere. No field needs one, and the tenant
 * and a time format are written into SQL text, where DuckDB's parser ends a literal at a NUL (the run died
 * with "internal error: Parser Error"): refused at load, as every field's mistake is.
 */
function nulAt(root: unknown): { path: PropertyKey[]; key: boolean } | undefined {
  // Depth first, in the file's order, with a stack of its own: a file of arrays nested some thousands deep
  // overflowed the call stack (an internal error, exit 70). A node keeps its parent and key, so a path is
  // made only for the one found.
  interface Node { v: unknown; parent?: Node; key?: PropertyKey }
  const pathOf = (n: Node): PropertyKey[] => {
    const out: PropertyKey[] = [];
    for (let c: Node | undefined = n; c?.parent; c = c.parent) out.push(c.key!);
    return out.reverse();
  };
  const stack: Node[] = [{ v: root }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { v } = node;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path: pathOf(node), key: false };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const entries: [PropertyKey, unknown][] = Array.isArray(v) ? [...v.entries()] : Object.entries(v);
    for (const [key] of entries) if (typeof key === 'string' && key.includes('\u0000')) return { path: pathOf(node), key: true };
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ v: entries[i]![1], parent: node, key: entries[i]![0] });
  }
  return undefined;
}

export function parseJob(raw: unknown, name: string, baseDir: string, label: string, where: (path: readonly PropertyKey[]) => string = (path) => `${label}: ${fieldName(path)}`): Job {
  const nul = nulAt(raw);
  if (nul) {
    const what = nul.key ? 'a key holds' : 'holds';
    throw new AppError('CONFIG', `${where(nul.path)}: ${what} \\u0000, a NUL character, which no field of a job holds: remove it`);
  }
  const parsed = JobSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('CONFIG', formatZodIssues(label, parsed.error, raw, where));
  return deepFreeze({ ...parsed.data, name, baseDir, file: label });
}

export async function loadJob(file: string): Promise<Job> {
  return jobFromText(file, await readJobText(file));
}

/** The largest job file read (README "The job file"): a job is some lines of settings. */
export const JOB_FILE_MAX_BYTES = 1024 * 1024;

/** A job file's text, as loadJob reads it (a run that must keep one definition keeps this: shardFlow.ts). */
export async function readJobText(file: string): Promise<string> {
  const path = resolve(file);
  try {
    // Only a regular file: reading a FIFO would wait for a writer forever (ltv run hung, saying nothing).
    const st = await stat(path);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : 'not a regular file';
      throw new AppError('CONFIG', `${file}: is ${kind}, not a job file: give a job's .json file, e.g. jobs/example.json`);
    }
    // By its size, before reading: a data file given for the job (600 MB) was read for seconds into as much
    // memory, to end in "ERR_STRING_TOO_LONG"; a worker carries the text in each run's queue data too.
    if (st.size > JOB_FILE_MAX_BYTES) {
      throw new AppError('CONFIG', `${file}: is ${formatBytes(st.size)}, and a job file is at most 1 MiB (${JOB_FILE_MAX_BYTES.toLocaleString('en-US')} bytes; a job is some lines of settings, its data is read from its "inputs"): give the job's .json file`);
    }
    // A byte order mark (Windows editors write one) is no part of the JSON.
    return utf8Text(await readFile(path));
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof NotUtf8Error) throw new AppError('CONFIG', `${file}: ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('CONFIG', `${file}: no such job file: give the path of a job's .json file, e.g. jobs/example.json`);
    if (code === 'EACCES') throw new AppError('CONFIG', `${file}: the job file cannot be read by this user (permission denied): make it readable`);
    if (code === 'ELOOP') throw new AppError('CONFIG', `${file}: a symbolic link on its path leads back to itself (a loop of links, or a chain of more than 40; ELOOP): point the link at a job's .json file`);
    throw new AppError('CONFIG', `${file}: cannot read the job file (${code ?? String(e)})`);
  }
}

/** The job that `text` defines, read from `file` (its name, folder and messages are the file's). */
export function jobFromText(file: string, text: string): Job {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AppError('CONFIG', `${file}: ${jsonErrorWhere(text, (e as Error).message, 'remove it, or write the note in "description"')}`);
  }
  const twice = duplicateKey(text);
  if (twice) {
    const where = twice.firstLine === twice.line ? `on line ${twice.line}` : `line ${twice.firstLine} and line ${twice.line}`;
    throw new AppError('CONFIG', `${file}: ${twice.path}: given twice (${where}); JSON would keep the last one without a word: keep one`);
  }
  return parseJob(raw, basename(path, extname(path)), dirname(path), file);
}

export function jobFromFlags(input: JobInput, baseDir: string): Job {
  return parseJob(input, 'adhoc', baseDir, 'command line', (path) => flagAt(input, path));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
