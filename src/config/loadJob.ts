// Reads and validates a job file; every message names the file and the field (STYLE habit 6).
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type { z } from 'zod';
import { AppError } from './AppError.js';
import { JobSchema, type Job, type JobInput } from './jobSchema.js';

export function formatZodIssues(file: string, error: z.ZodError): string {
  return error.issues
    .map((i) => `${file}: ${i.path.length ? i.path.join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]') : '(root)'}: ${i.message}`)
    .join('\n');
}

export function parseJob(raw: unknown, name: string, baseDir: string, label: string): Job {
  const parsed = JobSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('CONFIG', formatZodIssues(label, parsed.error));
  return deepFreeze({ ...parsed.data, name, baseDir });
}

export async function loadJob(file: string): Promise<Job> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AppError('CONFIG', `${file}: cannot read the job file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AppError('CONFIG', `${file}: not valid JSON: ${(e as Error).message}`);
  }
  return parseJob(raw, basename(path, extname(path)), dirname(path), file);
}

export function jobFromFlags(input: JobInput, baseDir: string): Job {
  return parseJob(input, 'adhoc', baseDir, 'command line');
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
