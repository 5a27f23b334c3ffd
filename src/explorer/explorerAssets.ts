// The explorer's files as shipped in the package (SPEC §10: served from the package, never from the
// reports directory): the page, the bundle built by buildExplorer.mjs, its styles. Read once, with a
// strong ETag and the gzipped bytes made once.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const EXPLORER_ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'explorer.js': 'text/javascript; charset=utf-8',
  'explorer.css': 'text/css; charset=utf-8',
} as const;
export type ExplorerAssetName = keyof typeof EXPLORER_ASSETS;

export interface ExplorerAsset {
  bytes: Buffer;
  etag: string;
  contentType: string;
  gzipped: Buffer;
}

const cache = new Map<ExplorerAssetName, ExplorerAsset>();

function fileOf(name: ExplorerAssetName): URL {
  return name === 'index.html' ? new URL('./index.html', import.meta.url) : new URL(`./assets/${name}`, import.meta.url);
}

export function explorerAsset(name: ExplorerAssetName): ExplorerAsset {
  let a = cache.get(name);
  if (!a) {
    const bytes = readFileSync(fileOf(name));
    a = {
      bytes,
      etag: `"${createHash('sha256').update(bytes).digest('hex')}"`,
      contentType: EXPLORER_ASSETS[name],
      gzipped: gzipSync(bytes, { level: 9 }),
    };
    cache.set(name, a);
  }
  return a;
}

/** The bundle's text, for pages that inline it (report.html). */
export function explorerText(name: 'explorer.js' | 'explorer.css'): string {
  return explorerAsset(name).bytes.toString('utf8');
}
