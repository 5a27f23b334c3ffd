// Starts the real endpoint on an ephemeral port over a temp reports directory, with a captured
// access log; `stop()` closes it and removes the directory.
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createServer, type LtvServer, type ServerOptions } from '../../src/serve/createServer.js';
import { hashKey, type KeyEntry } from '../../src/serve/KeyStore.js';

export interface TestServer {
  port: number;
  root: string;
  reportsDir: string;
  keysFile: string;
  logLines: Record<string, unknown>[];
  rawLog: () => string;
  writeKeys: (keys: (Partial<KeyEntry> & { key: string; tenants: string[] })[]) => void;
  stats: LtvServer['stats'];
  stop: () => Promise<void>;
}

export async function startServer(opts: Partial<ServerOptions> & { keys?: (Partial<KeyEntry> & { key: string; tenants: string[] })[] } = {}): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), 'ltv-serve-'));
  const reportsDir = join(root, 'reports');
  const keysDir = join(root, 'keys');
  mkdirSync(reportsDir);
  mkdirSync(keysDir);
  const keysFile = join(keysDir, 'keys.json');
  let raw = '';
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString('utf8');
      for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const writeKeys: TestServer['writeKeys'] = (keys) => {
    const entries = keys.map(({ key, ...rest }) => ({ key_sha256: hashKey(key), plan: 'pro', requests_per_minute: 1000, admin: false, ...rest }));
    // Replaced by rename, as `ltv keys add` does: the case fs.watch on the file itself would miss.
    const tmp = `${keysFile}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify({ keys: entries }));
    renameSync(tmp, keysFile);
  };
  writeKeys(opts.keys ?? []);
  const { keys: _ignored, ...serverOpts } = opts;
  const server = createServer({ reportsDir, keysFile, logger: pino({ level: 'info' }, sink), keysPollMs: 50, ...serverOpts });
  const addr = await server.listen(0, '127.0.0.1');
  return {
    port: addr.port,
    root,
    reportsDir,
    keysFile,
    logLines,
    rawLog: () => raw,
    writeKeys,
    stats: () => server.stats(),
    stop: async () => {
      await server.close(1000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
