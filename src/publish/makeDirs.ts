// `mkdir -p` that always ends. Node's own recursive mkdir never returns where a parent refuses new entries
// with ENOENT (it retries the parent forever: a reports directory under /proc hung a run at full CPU), so
// the missing directories are found by walking up and created one at a time, each error passed on.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Makes `path` and its missing parents; returns the directories it made, outermost first. */
export async function makeDirs(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      if ((await stat(p)).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', path: p });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw e;
      missing.push(p);
    }
  }
  const made: string[] = [];
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
      made.push(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return made;
}
