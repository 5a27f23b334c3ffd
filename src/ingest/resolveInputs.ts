// Expands each input's path or glob (relative to the job's folder) into files, and decides their format.
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { AppError } from '../config/AppError.js';
import { loadEnv } from '../config/env.js';
import type { InputDef, Job } from '../config/jobSchema.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import { readQuery } from './readQuery.js';

export type FileFormat = 'csv' | 'whitespace' | 'jsonl' | 'parquet';

export interface SourceFile {
  path: string;
  /** Index of the input in the job (for messages: inputs[i]). */
  inputIndex: number;
  input: InputDef;
  format: FileFormat;
  /** CSV delimiter when known (given or implied by .tsv). */
  delimiter?: string;
  /** A database query's result streamed into this temporary CSV (readQuery.ts); `path` names the input. */
  query?: { file: string };
}

export async function resolveInputs(job: Job, wh: Warehouse, label: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const [i, input] of job.inputs.entries()) {
    if (input.query !== undefined) {
      // Beside DuckDB's spill files: removed with the run's scratch space whatever happens.
      const [{ dir } = { dir: '' }] = await wh.json<{ dir: string }>("SELECT current_setting('temp_directory') AS dir");
      files.push(await readQuery(input, {
        label, inputIndex: i, dir: dir || tmpdir(), baseDir: job.baseDir, connectTimeoutMs: loadEnv().LTV_CONNECT_TIMEOUT_MS,
      }));
      continue;
    }
    // The job schema guarantees a path where there is no query.
    const path = input.path!;
    const pattern = isAbsolute(path) ? path : resolve(job.baseDir, path);
    const matches = (await wh.json<{ file: string }>('SELECT file FROM glob($p) ORDER BY file', { p: pattern })).map((r) => r.file);
    if (matches.length === 0) {
      throw new AppError('INPUT', `${label}: inputs[${i}].path: no file matches "${path}" (looked in ${job.baseDir})`);
    }
    for (const path of matches) files.push({ path, inputIndex: i, input, ...(await detectFormat(path, input)) });
  }
  return files;
}

async function detectFormat(path: string, input: InputDef): Promise<{ format: FileFormat; delimiter?: string }> {
  const lower = path.toLowerCase().replace(/\.gz$/, '');
  if (input.delimiter === 'whitespace') return { format: 'whitespace' };
  if (input.format === 'parquet' || (input.format === 'auto' && lower.endsWith('.parquet'))) return { format: 'parquet' };
  if (input.format === 'jsonl' || (input.format === 'auto' && /\.(jsonl|ndjson|json)$/.test(lower))) return { format: 'jsonl' };
  if (input.format === 'tsv' || (input.format === 'auto' && /\.(tsv|tab)$/.test(lower))) return { format: 'csv', delimiter: input.delimiter ?? '\t' };
  if (input.delimiter) return { format: 'csv', delimiter: input.delimiter };
  // Sniff the header line: no comma, semicolon, tab or pipe but runs of spaces = whitespace-separated (CDNOW).
  const head = await firstLine(path);
  if (!/[,;\t|]/.test(head) && /\S\s+\S/.test(head)) return { format: 'whitespace' };
  return { format: 'csv' };
}

async function firstLine(path: string): Promise<string> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new AppError('INPUT', `${path}: cannot open (${e.code ?? e.message})`);
  });
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    let bytes: Buffer = Buffer.from(buffer.subarray(0, bytesRead));
    if (path.toLowerCase().endsWith('.gz')) bytes = await gunzipPrefix(bytes);
    const text = bytes.toString('utf8');
    return text.split(/\r?\n/, 1)[0] ?? '';
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
