import { chmodSync, existsSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { addKey } from '../../src/serve/addKey.js';
import { listKeys, removeKey, rotateKey } from '../../src/serve/editKeys.js';
import { KeyStore, hashKey, keysFileCount } from '../../src/serve/KeyStore.js';
import { RateLimiter } from '../../src/serve/RateLimiter.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'ltv-keys-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('addKey', () => {
  it('stores only the SHA-256, mode 0600, appending to the existing keys', async () => {
    const file = join(tmp(), 'keys.json');
    const k1 = await addKey(file, { tenants: ['acme'] });
    const k2 = await addKey(file, { tenants: ['acme', 'beta'], plan: 'free', requestsPerMinute: 5, admin: true });
    expect(k1).toMatch(/^ltv_[A-Za-z0-9_-]{43}$/);
    expect(k1).not.toBe(k2);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(k1);
    expect(text).not.toContain(k2.slice(4));
    expect(JSON.parse(text)).toEqual({
      keys: [
        { key_sha256: hashKey(k1), tenants: ['acme'], plan: 'pro', requests_per_minute: 60, admin: false },
        { key_sha256: hashKey(k2), tenants: ['acme', 'beta'], plan: 'free', requests_per_minute: 5, admin: true },
      ],
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a tenant id with white space at either end, as ltv run does (a row\'s tenant_id is trimmed: such a key read nothing)', async () => {
    const file = join(tmp(), 'keys.json');
    await expect(addKey(file, { tenants: ['shop '] })).rejects.toThrow('keys add: --tenant "shop ": has white space at its start or end, which a row\'s tenant_id never keeps: remove it');
    await expect(addKey(file, { tenants: ['\tshop'] })).rejects.toThrow('keys add: --tenant "\\tshop": has white space');
    expect(existsSync(file)).toBe(false);
  });

  it('replacing a keys file keeps its mode, and its owner when root replaces it, so the server can still read it', async () => {
    const file = join(tmp(), 'keys.json');
    await addKey(file, { tenants: ['acme'] });
    // The operator made it readable by the server's group, and owned by the server's user (uid/gid 1000).
    chmodSync(file, 0o640);
    if (process.getuid?.() === 0) chownSync(file, 1000, 1000);
    await addKey(file, { tenants: ['beta'] });
    const st = statSync(file);
    expect(st.mode & 0o777).toBe(0o640);
    if (process.getuid?.() === 0) expect([st.uid, st.gid]).toEqual([1000, 1000]);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown[] }).keys).toHaveLength(2);
  });

  it('refuses a keys file whose folder does not exist, naming it (a typo made folders and a file serve never reads), and one under a file', async () => {
    const dir = tmp();
    const file = join(dir, 'keys', 'prod', 'keys.json');
    await expect(addKey(file, { tenants: ['acme'] })).rejects.toThrow(`${file}: its folder ${join(dir, 'keys', 'prod')} does not exist: create it first, or give --keys a file in a folder that exists`);
    expect(readdirSync(dir)).toEqual([]);
    // The folder there, the missing file is made.
    mkdirSync(join(dir, 'keys', 'prod'), { recursive: true });
    const key = await addKey(file, { tenants: ['acme'] });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: { key_sha256: string }[] }).keys.map((k) => k.key_sha256)).toEqual([hashKey(key)]);
    writeFileSync(join(dir, 'plain'), 'x');
    const blocked = join(dir, 'plain', 'keys.json');
    await expect(addKey(blocked, { tenants: ['acme'] })).rejects.toThrow(`${blocked}: cannot read the keys file (ENOTDIR): give the path of a keys file this user may read`);
  });

  it('stores each tenant once (`--tenant a --tenant a` stored ["a","a"])', async () => {
    const file = join(tmp(), 'keys.json');
    await addKey(file, { tenants: ['a', 'b c', 'a', 'b c', 'A'] });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: { tenants: string[] }[] }).keys.map((k) => k.tenants)).toEqual([['a', 'b c', 'A']]);
  });

  it('takes any tenant id a row can carry; refuses an empty one and a broken existing file (never overwrites it)', async () => {
    const file = join(tmp(), 'keys.json');
    await expect(addKey(file, { tenants: [''] })).rejects.toThrow(/1 to 1024 characters/);
    const ids = ['acme corp', 'a/b', '..', '.', 'café ☕', 'x'.repeat(200)];
    const key = await addKey(file, { tenants: ids });
    const store = new KeyStore(file, pino({ level: 'silent' }));
    store.reload();
    expect(store.authenticate(key)?.tenants).toEqual(ids);
    rmSync(file);
    writeFileSync(file, '{"keys": [');
    await expect(addKey(file, { tenants: ['acme'] })).rejects.toThrow(/not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{"keys": [');
  });
});

describe('a keys file behind a symbolic link', () => {
  const stored = (file: string): string[][] => (JSON.parse(readFileSync(file, 'utf8')) as { keys: { tenants: string[] }[] }).keys.map((k) => k.tenants);

  it('add, remove and rotate write to the file the links lead to, and the links stay (add replaced the link by a file of its own)', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'real'));
    const real = join(dir, 'real', 'k.json');
    const acme = await addKey(real, { tenants: ['acme'] });
    chmodSync(real, 0o640);
    // A relative link, and a link to that link.
    symlinkSync('real/k.json', join(dir, 'link.json'));
    symlinkSync('link.json', join(dir, 'link2.json'));
    const beta = await addKey(join(dir, 'link.json'), { tenants: ['beta'] });
    await addKey(join(dir, 'link2.json'), { tenants: ['gamma'] });
    expect(stored(real)).toEqual([['acme'], ['beta'], ['gamma']]);
    await removeKey(join(dir, 'link2.json'), hashKey(beta).slice(0, 12));
    const rotated = await rotateKey(join(dir, 'link.json'), hashKey(acme).slice(0, 12));
    expect(stored(real)).toEqual([['acme'], ['gamma']]);
    expect((JSON.parse(readFileSync(real, 'utf8')) as { keys: { key_sha256: string }[] }).keys[0]!.key_sha256).toBe(hashKey(rotated.key));
    expect([readlinkSync(join(dir, 'link.json')), readlinkSync(join(dir, 'link2.json')), statSync(real).mode & 0o777]).toEqual(['real/k.json', 'link.json', 0o640]);
    // No temporary or lock file left beside the links or the file.
    expect([readdirSync(dir).sort(), readdirSync(join(dir, 'real'))]).toEqual([['link.json', 'link2.json', 'real'], ['k.json']]);
  });

  it('add makes the missing file a link names, keeping the link', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'real'));
    symlinkSync('real/k.json', join(dir, 'link.json'));
    await addKey(join(dir, 'link.json'), { tenants: ['acme'] });
    expect([readlinkSync(join(dir, 'link.json')), stored(join(dir, 'real', 'k.json'))]).toEqual(['real/k.json', [['acme']]]);
  });
});

describe('ltv keys list, remove, rotate', () => {
  const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));
  const ltv = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'keys', ...args], (err, stdout, stderr) => resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr }));
  });
  const store = (file: string): KeyStore => {
    const s = new KeyStore(file, pino({ level: 'silent' }));
    s.reload();
    return s;
  };

  it('lists keys by the start of their hash, revokes one, and rotates one keeping its tenants, plan and limits', async () => {
    const file = join(tmp(), 'keys.json');
    const k1 = await addKey(file, { tenants: ['acme'] });
    const k2 = await addKey(file, { tenants: ['b c'], plan: 'scale', requestsPerMinute: 5, admin: true, note: 'ops laptop' });
    const id1 = hashKey(k1).slice(0, 12);
    const id2 = hashKey(k2).slice(0, 12);
    const list = await ltv('list', '--keys', file);
    expect(list).toEqual({ code: 0, stderr: '', stdout: `id\tplan\trpm\tadmin\ttenants\tnote\n${id1}\tpro\t60\t-\t"acme"\t\n${id2}\tscale\t5\tadmin\t"b c"\tops laptop\n` });
    expect(list.stdout).not.toContain(k1);

    // Rotation: a new key, printed once, with the old one's settings; the old one no longer authenticates.
    const rotated = await ltv('rotate', id2, '--keys', file);
    expect(rotated.code).toBe(0);
    const k3 = rotated.stdout.trim();
    expect(k3).toMatch(/^ltv_[A-Za-z0-9_-]{43}$/);
    expect(rotated.stderr).toBe(`ltv: key ${id2} replaced by ${hashKey(k3).slice(0, 12)} in ${file}: the old key stops working within seconds; this is the only time the new key is shown\n`);
    expect(store(file).authenticate(k2)).toBeNull();
    expect(store(file).authenticate(k3)).toMatchObject({ tenants: ['b c'], plan: 'scale', requestsPerMinute: 5, admin: true });

    // Removal by a unique prefix; unknown and malformed ids are one line each, exit 1, the file untouched.
    chmodSync(file, 0o640);
    expect(await ltv('remove', 'abcdef12', '--keys', file)).toMatchObject({ code: 1, stderr: `ltv: keys: no key abcdef12 in ${file}: \`ltv keys list --keys ${file}\` shows the ids\n` });
    expect(await ltv('remove', 'k1', '--keys', file)).toMatchObject({ code: 1, stderr: `ltv: keys: "k1" is no key id: give the id \`ltv keys list --keys ${file}\` shows (6 to 64 hex digits)\n` });
    expect(await ltv('remove', id1.slice(0, 8), '--keys', file)).toEqual({ code: 0, stdout: '', stderr: `ltv: key ${id1} (acme) removed from ${file}\n` });
    expect(store(file).authenticate(k1)).toBeNull();
    expect(store(file).authenticate(k3)).not.toBeNull();
    expect(statSync(file).mode & 0o777).toBe(0o640);
  }, 30_000);

  it('lists a note holding a tab or a line break on its key\'s own line, the characters shown as symbols (it could fake a row)', async () => {
    const file = join(tmp(), 'keys.json');
    const k = await addKey(file, { tenants: ['a'], note: 'hi\nffffffffffff\tscale\t9999\tadmin' });
    const list = await ltv('list', '--keys', file);
    // U+240A and U+2409: the control pictures of LF and tab.
    expect(list).toEqual({ code: 0, stderr: '', stdout: `id\tplan\trpm\tadmin\ttenants\tnote\n${hashKey(k).slice(0, 12)}\tpro\t60\t-\t"a"\thi\u240affffffffffff\u2409scale\u24099999\u2409admin\n` });
  }, 30_000);
});

describe('ltv keys on a file that is missing, a directory or not JSON', () => {
  const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));
  const ltv = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'keys', ...args], (err, stdout, stderr) => resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr }));
  });

  it('says in one line, exit 1, what the file is and what to do, in the words of each command', async () => {
    const dir = tmp();
    const missing = join(dir, 'missing.json');
    // A missing file: list said "no keys in missing.json" and exit 0, remove "no key … in missing.json"; add makes it.
    const absent = `ltv: ${missing}: the keys file does not exist: give its path with --keys, or make it with \`ltv keys add --tenant <id> --keys ${missing}\`\n`;
    expect(await ltv('list', '--keys', missing)).toEqual({ code: 1, stdout: '', stderr: absent });
    expect(await ltv('remove', 'abcdef12', '--keys', missing)).toEqual({ code: 1, stdout: '', stderr: absent });
    expect(await ltv('rotate', 'abcdef12', '--keys', missing)).toEqual({ code: 1, stdout: '', stderr: absent });
    expect(readdirSync(dir)).toEqual([]);
    expect((await ltv('add', '--tenant', 'acme', '--keys', missing)).code).toBe(0);
    expect((JSON.parse(readFileSync(missing, 'utf8')) as { keys: unknown[] }).keys).toHaveLength(1);
    // A missing folder is refused (it was made, exit 0: a typo gave a keys file serve never reads).
    const typo = join(dir, 'nodir', 'k.json');
    expect(await ltv('add', '--tenant', 'acme', '--keys', typo)).toEqual({
      code: 1, stdout: '', stderr: `ltv: ${typo}: its folder ${join(dir, 'nodir')} does not exist: create it first, or give --keys a file in a folder that exists\n`,
    });
    expect(readdirSync(dir)).toEqual(['missing.json']);

    // A directory: "kd: cannot read (EISDIR: illegal operation on a directory, read)".
    const kd = join(dir, 'kd');
    mkdirSync(kd);
    const isDir = `ltv: ${kd}: is a directory, not a keys file: give the keys file's path, e.g. ${join(kd, 'keys.json')}\n`;
    expect(await ltv('list', '--keys', kd)).toEqual({ code: 1, stdout: '', stderr: isDir });
    expect(await ltv('add', '--tenant', 'acme', '--keys', kd)).toEqual({ code: 1, stdout: '', stderr: isDir });
    expect(readdirSync(dir).sort()).toEqual(['kd', 'missing.json']);

    // A link to a missing file: both named.
    const dangling = join(dir, 'dangling.json');
    symlinkSync('gone/k.json', dangling);
    expect(await ltv('list', '--keys', dangling)).toEqual({
      code: 1, stdout: '', stderr: `ltv: ${dangling}: the keys file does not exist (a link to ${join(realpathSync(dir), 'gone', 'k.json')}, which is missing): give its path with --keys, or make it with \`ltv keys add --tenant <id> --keys ${dangling}\`\n`,
    });

    // Not JSON (a comma missing at the end of line 2): "position 24" and "fix it before adding a key", whatever the command.
    const bad = join(dir, 'bad.json');
    const text = '{"keys": [\n  {"a": 1}\n  {"b": 2}]}\n';
    writeFileSync(bad, text);
    const notJson = (fix: string): { code: number; stdout: string; stderr: string } => ({ code: 1, stdout: '', stderr: `ltv: ${bad}: line 3, column 3: not valid JSON (Expected ',' or ']' after array element): ${fix}\n` });
    expect(await ltv('list', '--keys', bad)).toEqual(notJson('fix it to list its keys'));
    expect(await ltv('remove', 'abcdef12', '--keys', bad)).toEqual(notJson('fix it before removing a key'));
    expect(await ltv('rotate', 'abcdef12', '--keys', bad)).toEqual(notJson('fix it before rotating a key'));
    expect(await ltv('add', '--tenant', 'acme', '--keys', bad)).toEqual(notJson('fix it before adding a key'));
    expect(readFileSync(bad, 'utf8')).toBe(text);
    // JSON, but not {"keys": [...]}.
    writeFileSync(bad, '[]\n');
    expect(await ltv('list', '--keys', bad)).toEqual({ code: 1, stdout: '', stderr: `ltv: ${bad}: Invalid input: expected object, received array (a keys file is {"keys": [...]}): fix it to list its keys\n` });
    expect(readFileSync(bad, 'utf8')).toBe('[]\n');
  }, 60_000);
});

describe('addKey by several processes at once', () => {
  const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));
  const keysAdd = (file: string, tenant: string): Promise<string> => new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, 'keys', 'add', '--tenant', tenant, '--keys', file], (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });

  it('six `ltv keys add` at the same time: every printed key is in the file (none lost to another writer)', async () => {
    const file = join(tmp(), 'keys.json');
    const tenants = ['t1', 't2', 't3', 't4', 't5', 't6'];
    const printed = await Promise.all(tenants.map((t) => keysAdd(file, t)));
    const stored = (JSON.parse(readFileSync(file, 'utf8')) as { keys: { key_sha256: string; tenants: string[] }[] }).keys;
    expect(stored.map((k) => k.key_sha256).sort()).toEqual(printed.map(hashKey).sort());
    expect(stored.map((k) => k.tenants[0]).sort()).toEqual(tenants);
  }, 60_000);

  it('takes over a lock its dead owner left, and removes it after writing', async () => {
    const dir = tmp();
    const file = join(dir, 'keys.json');
    // A pid no process has (above the kernel's largest pid_max).
    writeFileSync(`${file}.lock`, JSON.stringify({ host: hostname(), pid: 2 ** 22 + 1 }));
    const key = await addKey(file, { tenants: ['acme'] });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: { key_sha256: string }[] }).keys.map((k) => k.key_sha256)).toEqual([hashKey(key)]);
    expect(() => statSync(`${file}.lock`)).toThrow(/ENOENT/);
  });
});

describe('KeyStore', () => {
  it('authenticates by hash, keeps the last good file when the new one is bad', async () => {
    const file = join(tmp(), 'keys.json');
    const key = await addKey(file, { tenants: ['acme'] });
    const store = new KeyStore(file, pino({ level: 'silent' }));
    store.reload();
    expect(store.authenticate(key)?.tenants).toEqual(['acme']);
    expect(store.authenticate(key + 'x')).toBeNull();
    expect(store.authenticate('')).toBeNull();
    writeFileSync(file, '{"keys": [');
    store.reload();
    expect(store.authenticate(key)).not.toBeNull();
    rmSync(file);
    store.reload();
    expect(store.authenticate(key)).toBeNull();
  });

  it('reads a keys file an editor saved with a byte-order mark, as ltv keys does (every key was refused: not JSON at line 1, column 1)', async () => {
    const file = join(tmp(), 'keys.json');
    const key = await addKey(file, { tenants: ['acme'] });
    writeFileSync(file, `\uFEFF${readFileSync(file, 'utf8')}`);
    const store = new KeyStore(file, pino({ level: 'silent' }));
    store.reload();
    expect(store.authenticate(key)?.tenants).toEqual(['acme']);
    // ltv keys add keeps it readable (and writes it back without the mark).
    const second = await addKey(file, { tenants: ['beta'] });
    store.reload();
    expect([store.authenticate(key)?.tenants, store.authenticate(second)?.tenants]).toEqual([['acme'], ['beta']]);
  });
});

describe('a keys file that is not UTF-8', () => {
  it('is refused by every reader, naming the line (Latin-1 tenant ids were read with U+FFFD, a tenant no run has)', async () => {
    const file = join(tmp(), 'keys.json');
    writeFileSync(file, Buffer.from(`{"keys": [\n  {"key_sha256": "${hashKey('k')}", "tenants": ["Zürich"]}\n]}\n`, 'latin1'));
    expect(keysFileCount(file)).toBe('line 2 is not valid UTF-8 (Latin-1 or Windows-1252?): save it as UTF-8');
    expect(() => listKeys(file)).toThrow(`${file}: line 2 is not valid UTF-8 (Latin-1 or Windows-1252?): save it as UTF-8`);
    const lines: string[] = [];
    const store = new KeyStore(file, pino({ level: 'info' }, { write: (l: string) => lines.push(l) }));
    store.reload();
    expect(store.authenticate('k')).toBeNull();
    expect(lines.map((l) => JSON.parse(l) as { msg: string; err?: string }).find((l) => l.msg === 'keys: file is invalid; keeping the previous keys')?.err).toBe('line 2 is not valid UTF-8 (Latin-1 or Windows-1252?): save it as UTF-8');
  });
});

describe('KeyStore entry by entry', () => {
  it('skips and logs a bad entry; every other key keeps working', async () => {
    const file = join(tmp(), 'keys.json');
    const good = await addKey(file, { tenants: ['acme corp'] });
    const other = await addKey(file, { tenants: ['beta'] });
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown[] };
    parsed.keys.splice(1, 0, { key_sha256: 'ABC', tenants: ['acme'] }, { key_sha256: hashKey('x'), tenants: [] }, { key_sha256: hashKey('y'), tenants: ['acme'], requests_per_minute: 0 });
    // A hash in uppercase hex (some tools print it so) is the same digest: it was skipped as "not lowercase".
    parsed.keys.push({ key_sha256: hashKey('upper').toUpperCase(), tenants: ['delta'] });
    writeFileSync(file, JSON.stringify(parsed));
    const lines: string[] = [];
    const store = new KeyStore(file, pino({ level: 'info' }, { write: (l: string) => lines.push(l) }));
    store.reload();
    expect(store.size).toBe(3);
    expect(store.authenticate(good)?.tenants).toEqual(['acme corp']);
    expect(store.authenticate(other)?.tenants).toEqual(['beta']);
    expect(store.authenticate('upper')?.tenants).toEqual(['delta']);
    const errors = lines.map((l) => JSON.parse(l) as { level: number; problem?: string }).filter((l) => l.level === 50);
    // Each says what to write, not the validation library's words ("Too small: expected array to have >=1 items").
    expect(errors.map((e) => e.problem)).toEqual([
      "keys[1].key_sha256: must be the key's SHA-256 as 64 hex digits (`ltv keys add` writes it)",
      'keys[2].tenants: give at least one tenant id the key may read, e.g. ["acme"]',
      'keys[3].requests_per_minute: must be at least 1, e.g. 60',
    ]);
    // ltv keys add still appends to such a file, keeping the entries it has as they are.
    const third = await addKey(file, { tenants: ['gamma'] });
    store.reload();
    expect(store.authenticate(third)?.tenants).toEqual(['gamma']);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown[] }).keys).toHaveLength(7);
  });

  it('counts the first of two entries with the same key, and logs the second as skipped (it was skipped without a word)', async () => {
    const file = join(tmp(), 'keys.json');
    const key = await addKey(file, { tenants: ['acme'], plan: 'free' });
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys: { key_sha256: string }[] };
    parsed.keys.push({ ...parsed.keys[0]!, tenants: ['beta'], plan: 'scale' } as never);
    writeFileSync(file, JSON.stringify(parsed));
    const lines: string[] = [];
    const store = new KeyStore(file, pino({ level: 'info' }, { write: (l: string) => lines.push(l) }));
    store.reload();
    expect(store.size).toBe(1);
    expect(store.authenticate(key)).toMatchObject({ tenants: ['acme'], plan: 'free' });
    const errors = lines.map((l) => JSON.parse(l) as { level: number; problem?: string }).filter((l) => l.level === 50);
    expect(errors.map((e) => e.problem)).toEqual(['keys[1].key_sha256: the same key as keys[0], which counts: remove one of them']);
  });
});

describe('RateLimiter', () => {
  it('counts per key in fixed one-minute windows', () => {
    let now = 120_000 + 59_500;
    const rl = new RateLimiter(() => now);
    expect(rl.take('a', 2)).toMatchObject({ allowed: true, remaining: 1, retryAfter: 1, resetAt: 180 });
    expect(rl.take('a', 2).allowed).toBe(true);
    expect(rl.take('a', 2)).toMatchObject({ allowed: false, remaining: 0 });
    expect(rl.take('b', 2).allowed).toBe(true);
    now = 180_000;
    expect(rl.take('a', 2)).toMatchObject({ allowed: true, remaining: 1, retryAfter: 60, resetAt: 240 });
  });
});
