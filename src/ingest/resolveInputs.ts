// Expands each input's path or glob (relative to the job's folder) into files, and decides their format.
// Only regular files are read: a FIFO would block the run forever, a directory or device is no export.
import type { Stats } from 'node:fs';
import { lstat, open, readdir, readlink, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../config/AppError.js';
import { envValue } from '../config/env.js';
import type { InputDef, Job } from '../config/jobSchema.js';
import { duckdbReason, type Warehouse } from '../warehouse/openWarehouse.js';
import { readQuery, type RefusedColumn } from './readQuery.js';
import { sameQueryText } from './scanQuery.js';
import { JSON_OBJECT_START } from './splitRecords.js';

export type FileFormat = 'csv' | 'whitespace' | 'jsonl' | 'parquet';

export interface SourceFile {
  path: string;
  /** Index of the input in the job (for messages: inputs[i]). */
  inputIndex: number;
  /**
   * The job file the input is in, as its messages name it; absent for `ltv run --input` (the command line).
   * A message's advice differs: `--map` is the command line's, a job file's `inputs[i].map` its own.
   */
  jobFile?: string;
  input: InputDef;
  format: FileFormat;
  /** CSV delimiter when known (given or implied by .tsv). */
  delimiter?: string;
  /**
   * A database query's result streamed into this temporary CSV (readQuery.ts); `path` names the input.
   * `refused`: its columns whose text is not their value, refused where the job reads them.
   */
  query?: { file: string; refused?: readonly RefusedColumn[] };
  /** gzip data (by its magic bytes, whatever the name): ltv inflates and verifies it while reading. */
  gzip: boolean;
}

const GLOB_CHARS = /[*?[{]/;

/** What a path is when it is not a regular file, in words. */
export function fileKind(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'a directory (give a file, or a glob such as dir/*.csv)';
  if (st.isFIFO()) return 'a FIFO (named pipe), not a regular file: write the export to a file first';
  if (st.isSocket()) return 'a socket, not a regular file';
  if (st.isCharacterDevice()) return 'a character device, not a regular file';
  if (st.isBlockDevice()) return 'a block device, not a regular file';
  return 'not a regular file';
}

/** A `time_format` DuckDB's strptime cannot use fails the run as the job's mistake, before any file is read. */
async function checkTimeFormat(wh: Warehouse, format: string, where: string): Promise<void> {
  try {
    await wh.run('SELECT try_strptime($s, $f)', { s: '2000-01-01', f: format });
  } catch (e) {
    const why = duckdbReason(e).replace(/^Failed to parse format specifier [^:]*: /, '');
    throw new AppError('CONFIG', `${where}: "${format}" is not a strptime format: ${why}; use specifiers such as %Y-%m-%d %H:%M:%S, %d/%m/%Y or %m/%d/%Y %I:%M %p`);
  }
}

/**
 * Why `path` cannot be read, in words, where its error code alone (ELOOP, a dangling link's ENOENT) said
 * nothing to act on; null for a plain missing file (said as "no file matches").
 */
export async function whyUnreadable(path: string, e: NodeJS.ErrnoException): Promise<string | null> {
  if (e.code === 'ELOOP') return 'a symbolic link on its path leads back to itself (a loop of links, or a chain of more than 40; ELOOP): point the link at the export file or its folder';
  if (e.code === 'EACCES') return 'permission denied (EACCES): let the user running ltv read it and its folders';
  if (e.code === 'ENOTDIR') return 'a part of its path is a file, not a folder (ENOTDIR): give the path to the export file';
  if (e.code === 'ENOENT') {
    const link = await lstat(path).then((l) => l.isSymbolicLink(), () => false);
    if (link) {
      const to = await readlink(path).catch(() => '?');
      return `it is a symbolic link to ${JSON.stringify(to)}, which does not exist (a dangling link): point it at the export file, or remove it`;
    }
    return null;
  }
  return `${e.code ?? e.message}`;
}

export async function resolveInputs(job: Job, wh: Warehouse, label: string, signal?: AbortSignal): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const seen = new Map<string, { i: number; path: string }>();
  refuseRepeatedQueries(job, label);
  for (const [i, input] of job.inputs.entries()) {
    if (input.time_format !== undefined) {
      await checkTimeFormat(wh, input.time_format, label === 'command line' ? '--time-format' : `${label}: inputs[${i}].time_format`);
    }
    if (input.query !== undefined) {
      // Beside DuckDB's spill files: removed with the run's scratch space whatever happens.
      const [{ dir } = { dir: '' }] = await wh.json<{ dir: string }>("SELECT current_setting('temp_directory') AS dir");
      files.push(await readQuery(input, {
        label, jobPath: label === 'command line' ? undefined : resolve(job.baseDir, basename(job.file)), inputIndex: i, timezone: job.timezone, dir: dir || tmpdir(), baseDir: job.baseDir, connectTimeoutMs: envValue('LTV_CONNECT_TIMEOUT_MS'), queryTimeoutMs: envValue('LTV_QUERY_TIMEOUT_MS'), signal,
      }));
      continue;
    }
    // The job schema guarantees a path where there is no query.
    const path = input.path!;
    // What messages name: the job's field, or the flag a run from the command line was given.
    const field = label === 'command line' ? '--input' : `${label}: inputs[${i}].path`;
    const pattern = isAbsolute(path) ? path : resolve(job.baseDir, path);
    if (!GLOB_CHARS.test(path)) {
      // A plain path: say what is wrong with it (missing, a directory, a FIFO…) before any reader opens it.
      const st = await stat(pattern).catch(async (e: NodeJS.ErrnoException) => {
        const why = await whyUnreadable(pattern, e);
        if (e.code === 'ENOENT' && !why) throw new AppError('INPUT', `${field}: no file matches "${path}" (looked in ${job.baseDir})`);
        throw new AppError('INPUT', `${field}: cannot read "${path}": ${why ?? `${e.code ?? e.message}`}`);
      });
      const kind = fileKind(st);
      if (kind) throw new AppError('INPUT', `${field}: ${pattern} is ${kind}`);
    }
    let matches = await expand(pattern, wh).catch(async (e: NodeJS.ErrnoException) => {
      // The folder a glob lists cannot be listed (no permission): "no file matches" sent the user looking for a file.
      const folder = dirname(pattern);
      throw new AppError('INPUT', `${field}: cannot read "${path}": its folder ${folder}: ${(await whyUnreadable(folder, e)) ?? `${e.code ?? e.message}`}`);
    });
    // A file whose own name holds a glob character ("orders[1].csv", a download's copy number) and that the
    // glob does not match: the name itself, as a shell leaves a glob that matches nothing (it was "no file
    // matches" for a file that is there).
    if (matches.length === 0 && GLOB_CHARS.test(path) && (await stat(pattern).catch(() => null))?.isFile()) matches = [pattern];
    if (matches.length === 0) {
      // The folder the glob looks in, when it cannot be read (a loop of links, a dangling link, no
      // permission), is said so: "no file matches" sent the user looking for a file.
      const glob = pattern.search(GLOB_CHARS);
      const folder = glob < 0 ? null : dirname(pattern.slice(0, glob + 1));
      const why = folder === null ? null : await stat(folder).then(() => null, (e: NodeJS.ErrnoException) => whyUnreadable(folder, e));
      if (why) throw new AppError('INPUT', `${field}: cannot read "${path}": its folder ${folder}: ${why}`);
      throw new AppError('INPUT', `${field}: no file matches "${path}" (looked in ${job.baseDir})`);
    }
    for (const path of matches) {
      const st = await stat(path).catch(async (e: NodeJS.ErrnoException) => {
        throw new AppError('INPUT', `${field}: cannot read ${path}: ${(await whyUnreadable(path, e)) ?? `${e.code ?? e.message}`}`);
      });
      const kind = fileKind(st);
      if (kind) throw new AppError('INPUT', `${field}: "${input.path}" matches ${path}, which is ${kind}`);
      // The same file through two inputs (a path and a glob, a symlink or hard link): its rows would count twice.
      const id = `${st.dev}:${st.ino}`;
      const earlier = seen.get(id);
      if (earlier) {
        throw new AppError('INPUT', `${field}: "${input.path}" matches ${path}, which is the file ${label === 'command line' ? `--input number ${earlier.i + 1}` : `inputs[${earlier.i}]`} reads already as ${earlier.path}: each file is read once (its rows would count twice); remove the overlap`);
      }
      seen.set(id, { i, path });
      // The first read of the file: one it may not read was reported as a reports directory it cannot write.
      const gzip = await isGzip(path).catch(async (e: NodeJS.ErrnoException) => {
        throw new AppError('INPUT', `${field}: cannot read ${path}: ${(await whyUnreadable(path, e)) ?? `${e.code ?? e.message}`}`);
      });
      if (!gzip && /\.gz$/i.test(path) && st.size > 0) throw new AppError('INPUT', `${path}: the name ends in .gz but the file is not gzip data: rename it or compress it again`);
      files.push({ path, inputIndex: i, input, gzip, ...(label === 'command line' ? {} : { jobFile: label }), ...(await detectFormat(path, input, gzip, label === 'command line' ? '--delimiter' : `inputs[${i}].delimiter`)) });
    }
  }
  return files;
}

/**
 * The same query on the same connection through two inputs: its rows would count twice (revenue doubled),
 * as a file's would. Refused before any query runs: the first could take an hour to be read for nothing.
 */
function refuseRepeatedQueries(job: Job, label: string): void {
  /** The connection's variable and the query's text, white space aside → the first input that has them. */
  const queries = new Map<string, number>();
  for (const [i, input] of job.inputs.entries()) {
    if (input.query === undefined || input.connection === undefined) continue;
    const url = process.env[input.connection.slice('env:'.length)] ?? '';
    const key = `${input.connection}\n${sameQueryText(input.query, /^\s*(mysql|mariadb):/i.test(url) ? 'MySQL' : 'PostgreSQL')}`;
    const earlier = queries.get(key);
    if (earlier !== undefined) {
      throw new AppError('INPUT', `${label}: inputs[${i}]: its query is the one inputs[${earlier}] runs already on ${input.connection} (the same text, white space aside): each query is read once (its rows would count twice); remove one of the two inputs`);
    }
    queries.set(key, i);
  }
}

/**
 * The paths a pattern matches, in name order. A glob in the last path segment only is listed here, so that
 * what it matches besides regular files (a FIFO, a directory) is seen and refused, not skipped as DuckDB's
 * glob does; deeper globs are DuckDB's.
 */
async function expand(pattern: string, wh: Warehouse): Promise<string[]> {
  if (!GLOB_CHARS.test(pattern)) return [pattern];
  const dir = dirname(pattern);
  if (GLOB_CHARS.test(dir)) {
    return (await wh.json<{ file: string }>('SELECT file FROM glob($p) ORDER BY file', { p: pattern })).map((r) => r.file);
  }
  // A missing folder matches nothing; one that cannot be listed is the caller's error to word.
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [] as string[];
    throw e;
  });
  const re = globRegExp(basename(pattern));
  return names.filter((n) => re.test(n) && !n.startsWith('.')).map((n) => join(dir, n)).sort();
}

/** A glob segment (* ? [abc] [!abc]) as a regular expression. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) { re += '\\['; continue; }
      const body = glob.slice(i + 1, end);
      re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`.replace(/\\/g, '\\\\');
      i = end;
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function detectFormat(path: string, input: InputDef, gzip: boolean, delimiterField: string): Promise<{ format: FileFormat; delimiter?: string }> {
  const lower = path.toLowerCase().replace(/\.gz$/, '');
  const parquet = input.format === 'parquet' || (input.format === 'auto' && lower.endsWith('.parquet'));
  const jsonl = !parquet && (input.format === 'jsonl' || (input.format === 'auto' && /\.(jsonl|ndjson|json)$/.test(lower)));
  // A delimiter said of a file read as Parquet or JSON Lines was ignored without a word (whitespace read a
  // .parquet file as text): the two say different things of the file, and which is right is the user's call.
  if ((parquet || jsonl) && input.delimiter !== undefined) {
    const why = input.format !== 'auto' ? `its input says "format": "${input.format}"` : `its name ends in ${/\.[a-z]+$/.exec(lower)![0]}`;
    throw new AppError('INPUT', `${path}: is read as ${parquet ? 'Parquet' : 'JSON Lines'} (${why}), which has no delimiter, but ${delimiterField} gives one: remove ${delimiterField}, or give the file's real format`);
  }
  if (input.delimiter === 'whitespace') return { format: 'whitespace' };
  if (parquet) return { format: 'parquet' };
  if (jsonl) return { format: 'jsonl' };
  if (input.format === 'tsv' || (input.format === 'auto' && /\.(tsv|tab)$/.test(lower))) return { format: 'csv', delimiter: input.delimiter ?? '\t' };
  if (input.delimiter) return { format: 'csv', delimiter: input.delimiter };
  const head = await firstLine(path, gzip);
  // A first line that is a JSON object: JSON Lines, under a name that says nothing of its format (`.gz`,
  // `.txt`, none); read as CSV, it was refused with "fix its quotes". Under a CSV name, said and refused, as a
  // CSV under a JSON name is: the name and the content disagree, and a guess could read the wrong file.
  if (input.format === 'auto' && JSON_OBJECT_START.test(head)) {
    if (!lower.endsWith('.csv')) return { format: 'jsonl' };
    throw new AppError('INPUT', `${path}: named .csv, but line 1 is a JSON object, as in JSON Lines: name it .jsonl, or give "format": "jsonl" to its input in a job file`);
  }
  // Sniff the header line: no comma, semicolon, tab or pipe but runs of spaces = whitespace-separated (CDNOW).
  if (!/[,;\t|]/.test(head) && /\S\s+\S/.test(head)) return { format: 'whitespace' };
  return { format: 'csv' };
}

async function firstLine(path: string, gzip: boolean): Promise<string> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new AppError('INPUT', `${path}: cannot open (${e.code ?? e.message})`);
  });
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    let bytes: Buffer = Buffer.from(buffer.subarray(0, bytesRead));
    if (gzip) bytes = await gunzipPrefix(bytes);
    const text = bytes.toString('utf8');
    return text.split(/\r\n|\r|\n/, 1)[0] ?? '';
  } finally {
    await fh.close();
  }
}

function gunzipPrefix(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolvePromise) => {
    const chunks: Buffer[] = [];
    const z = createGunzip();
    z.on('data', (c: Buffer) => chunks.push(c));
    // A truncated gzip prefix ends in an error; what was inflated so far is all we need.
    z.on('error', () => resolvePromise(Buffer.concat(chunks)));
    z.on('end', () => resolvePromise(Buffer.concat(chunks)));
    z.end(bytes);
  });
}
