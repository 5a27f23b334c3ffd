// LTV_HEARTBEAT_FILE (src/publish/writeAtomically.ts writeHeartbeat), on real files: replaced whole, and
// through a symbolic link into the file it names (replacing the link left its target, the file a probe
// watched, stale for good).
import { lstat, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { writeHeartbeat } from '../../src/publish/writeAtomically.js';

test('writes the time into the file a symbolic link names, and the link stays a link', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ltv-hb-'));
  try {
    const real = join(dir, 'real');
    const link = join(dir, 'hb-link');
    await writeFile(real, 'old');
    await symlink(real, link);
    const before = Date.now();
    await writeHeartbeat(link);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    const written = Date.parse(await readFile(real, 'utf8'));
    expect(written).toBeGreaterThanOrEqual(before - 1);
    expect(written).toBeLessThanOrEqual(Date.now());
    // A link to a file not written yet (a probe's usual setup): the file is made there, the link kept.
    const later = join(dir, 'later');
    const laterLink = join(dir, 'later-link');
    await symlink('later', laterLink);
    await writeHeartbeat(laterLink);
    expect((await lstat(laterLink)).isSymbolicLink()).toBe(true);
    expect(Date.parse(await readFile(later, 'utf8'))).toBeGreaterThanOrEqual(before - 1);
    // A plain file is replaced whole (a new inode), and a missing folder is the caller's ENOENT.
    const plain = join(dir, 'plain');
    await writeHeartbeat(plain);
    const { ino } = await lstat(plain);
    await writeHeartbeat(plain);
    expect((await lstat(plain)).ino).not.toBe(ino);
    await expect(writeHeartbeat(join(dir, 'missing', 'hb'))).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
