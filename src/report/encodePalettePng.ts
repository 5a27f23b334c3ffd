// The charts (ltv.png, forecast.png) as indexed-colour PNGs (PNG spec §11.2.2 colour type 3): a chart is a
// few flat colours plus their anti-aliased edges, so a palette of 256 holds it with no visible change, at
// one byte a pixel instead of resvg's RGBA (ltv.png of the example: 139 KB → 56 KB). Deterministic: the
// same pixels give the same bytes.
import { endianness } from 'node:os';
import { deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_COLOURS = 256;
/** zlib level 6: at 9 the example's chart is 4 % smaller and deflates twelve times slower (140 ms). */
const DEFLATE_LEVEL = 6;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * An opaque RGBA image (alpha is ignored: the charts have a white background) as an 8-bit palette PNG.
 * With more than 256 colours, the 256 most frequent make the palette and every other colour takes its
 * nearest palette colour (squared RGB distance): the rare colours are anti-aliasing fringes, and their
 * nearest frequent colour is the line or background they blend.
 */
export function encodePalettePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const pixels = width * height;
  if (rgba.length !== pixels * 4) throw new Error(`encodePalettePng: ${rgba.length} bytes for ${width} × ${height} RGBA`);
  // One 32-bit word a pixel, alpha masked off: a key per colour, compared in one operation.
  const words = new Uint32Array(rgba.byteOffset % 4 === 0 ? rgba.buffer : rgba.slice().buffer, rgba.byteOffset % 4 === 0 ? rgba.byteOffset : 0, pixels);
  const little = endianness() === 'LE';
  const mask = little ? 0x00ffffff : 0xffffff00;
  const rgbOf = (key: number): [number, number, number] =>
    little ? [key & 255, (key >>> 8) & 255, (key >>> 16) & 255] : [key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255];
  // One pass over the pixels numbers the colours in order of appearance, counts them, and notes the runs of
  // one colour (a chart is long runs: the example's 2,073,600 pixels are 56,024 runs), looking a colour up
  // only where it differs from the pixel before. The palette's order is known only then; the scanlines are
  // written from the runs (a fill per run and row), not pixel by pixel. Plain loops over typed arrays: this
  // runs once or twice a run, mostly before V8 has optimised it.
  const seen = new Map<number, number>();
  const keys: number[] = [];
  const counts: number[] = [];
  let runStart = new Int32Array(1 << 14);
  let runNumber = new Int32Array(1 << 14);
  let runs = 0;
  let last = -1;
  let lastNumber = 0;
  for (let i = 0; i < pixels; i++) {
    const key = (words[i]! & mask) >>> 0;
    if (key === last) continue;
    if (runs > 0) counts[lastNumber]! += i - runStart[runs - 1]!;
    last = key;
    let n = seen.get(key);
    if (n === undefined) {
      n = keys.length;
      seen.set(key, n);
      keys.push(key);
      counts.push(0);
    }
    lastNumber = n;
    if (runs === runStart.length) {
      const grownStart = new Int32Array(runs * 2);
      grownStart.set(runStart);
      runStart = grownStart;
      const grownNumber = new Int32Array(runs * 2);
      grownNumber.set(runNumber);
      runNumber = grownNumber;
    }
    runStart[runs] = i;
    runNumber[runs] = n;
    runs++;
  }
  if (runs > 0) counts[lastNumber]! += pixels - runStart[runs - 1]!;
  // Most frequent first; ties: the smaller key, so the palette depends on the pixels alone.
  const ranked = keys.map((_, n) => n).sort((a, b) => counts[b]! - counts[a]! || keys[a]! - keys[b]!);
  const palette = ranked.slice(0, MAX_COLOURS).map((n) => rgbOf(keys[n]!));
  const flat = Int32Array.from(palette.flat());
  const paletteIndex = new Uint8Array(keys.length);
  ranked.forEach((n, rank) => {
    paletteIndex[n] = rank < MAX_COLOURS ? rank : nearest(flat, rgbOf(keys[n]!));
  });
  // Each scanline: filter type 0 (none), then one palette index per pixel (filters rarely help palettes).
  // Pixel p of row y is byte p + y + 1; the buffer starts as zeros, the filter bytes and index 0 alike.
  const raw = Buffer.alloc(height * (width + 1));
  for (let r = 0; r < runs; r++) {
    const index = paletteIndex[runNumber[r]!]!;
    if (index === 0) continue;
    const end = r + 1 < runs ? runStart[r + 1]! : pixels;
    for (let p = runStart[r]!; p < end;) {
      const y = (p / width) | 0;
      const stop = Math.min(end, (y + 1) * width);
      if (stop - p > 16) raw.fill(index, p + y + 1, stop + y + 1);
      else for (let o = p + y + 1; o < stop + y + 1; o++) raw[o] = index;
      p = stop;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (palette), deflate, adaptive filtering, no interlace
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('PLTE', Buffer.from(palette.flat())),
    chunk('IDAT', deflateSync(raw, { level: DEFLATE_LEVEL })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The palette index nearest to `rgb` (squared RGB distance; ties: the lower index). `palette`: r, g, b, … */
function nearest(palette: Int32Array, [r, g, b]: [number, number, number]): number {
  let best = Infinity;
  let at = 0;
  for (let p = 0, o = 0; o < palette.length; p++, o += 3) {
    const dr = palette[o]! - r;
    const dg = palette[o + 1]! - g;
    const db = palette[o + 2]! - b;
    const d = dr * dr + dg * dg + db * db;
    if (d < best) {
      best = d;
      at = p;
    }
  }
  return at;
}
