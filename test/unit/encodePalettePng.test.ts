import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-wasm';
import { encodePalettePng } from '../../src/report/encodePalettePng.js';
import { chartSvg, loadRenderer, renderChart } from '../../src/report/renderChart.js';
import { sampleReport } from '../helpers/sampleReport.js';

/** A minimal PNG reader written for this test (not our encoder's code): chunks, CRC-free, palette only. */
function decode(png: Buffer): { width: number; height: number; colourType: number; rgb: number[][] } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    chunks.push({ type: png.toString('latin1', off + 4, off + 8), data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
  const ihdr = chunks[0]!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect(ihdr[8]).toBe(8); // bit depth
  const plte = chunks[1]!.data;
  const raw = inflateSync(chunks[2]!.data);
  expect(raw.length).toBe(height * (width + 1));
  const rgb: number[][] = [];
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0); // filter: none
    for (let x = 0; x < width; x++) {
      const p = raw[y * (width + 1) + 1 + x]!;
      rgb.push([plte[p * 3]!, plte[p * 3 + 1]!, plte[p * 3 + 2]!]);
    }
  }
  return { width, height, colourType: ihdr[9]!, rgb };
}

function image(pixels: number[][]): Uint8Array {
  return Uint8Array.from(pixels.flatMap(([r, g, b]) => [r!, g!, b!, 255]));
}

describe('encodePalettePng', () => {
  it('keeps every pixel of an image of few colours exactly', () => {
    // 3 × 2: white, red, white / blue, blue, grey.
    const pixels = [[255, 255, 255], [255, 0, 0], [255, 255, 255], [0, 0, 255], [0, 0, 255], [128, 128, 128]];
    const png = encodePalettePng(image(pixels), 3, 2);
    const d = decode(png);
    expect(d).toEqual({ width: 3, height: 2, colourType: 3, rgb: pixels });
    // The palette (after the signature and the 25-byte IHDR chunk) holds the 4 colours only, 3 bytes each,
    // the most frequent (white and blue, 2 pixels each) first.
    expect(png.toString('latin1', 37, 41)).toBe('PLTE');
    expect(png.readUInt32BE(33)).toBe(12);
    const first = [png.subarray(41, 44), png.subarray(44, 47)].map((c) => [...c].join(','));
    expect(first.sort()).toEqual(['0,0,255', '255,255,255']);
  });

  it('gives the same bytes for the same pixels', () => {
    const pixels = Array.from({ length: 64 }, (_, i) => [i * 4, 255 - i * 4, (i * 37) % 256]);
    expect(encodePalettePng(image(pixels), 8, 8).equals(encodePalettePng(image(pixels), 8, 8))).toBe(true);
  });

  it('maps the rarest colours of an image of more than 256 to their nearest palette colour', () => {
    // 300 distinct greys g = 0..299 → (min(g,255), …) would collide, so use (g % 256, g >= 256 ? 1 : 0, 0):
    // colours 0..255 with g-channel 0 appear twice each, the 44 colours (0..43, 1, 0) once: these are the
    // rare ones, and each one's nearest palette colour is (r, 0, 0), one step away in green.
    const pixels: number[][] = [];
    for (let r = 0; r < 256; r++) pixels.push([r, 0, 0], [r, 0, 0]);
    for (let r = 0; r < 44; r++) pixels.push([r, 1, 0]);
    const width = 4;
    while (pixels.length % width) pixels.push([0, 0, 0]);
    const d = decode(encodePalettePng(image(pixels), width, pixels.length / width));
    const expected = pixels.map(([r, g, b]) => (g === 1 ? [r, 0, b] : [r, g, b]));
    expect(d.rgb).toEqual(expected);
  });

  it('keeps a rendered chart: its RGBA pixels, from resvg directly, nearly all exact and none far off', async () => {
    const fonts = await loadRenderer();
    const resvg = new Resvg(chartSvg(sampleReport()), {
      font: { fontBuffers: fonts, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
      fitTo: { mode: 'zoom', value: 2 }, background: '#FFFFFF',
    });
    const rendered = resvg.render();
    const px = rendered.pixels;
    rendered.free();
    resvg.free();
    const d = decode(await renderChart(sampleReport()));
    expect([d.width, d.height, d.colourType]).toEqual([1920, 1080, 3]);
    let exact = 0;
    let worst = 0;
    d.rgb.forEach(([r, g, b], i) => {
      const diff = Math.max(Math.abs(r! - px[i * 4]!), Math.abs(g! - px[i * 4 + 1]!), Math.abs(b! - px[i * 4 + 2]!));
      if (diff === 0) exact++;
      worst = Math.max(worst, diff);
    });
    // Measured: 99.97 % exact; the others are edge pixels of a blend, at most 48 of 255 off in one channel.
    expect(exact / d.rgb.length).toBeGreaterThan(0.999);
    expect(worst).toBeLessThanOrEqual(64);
  });

  it('keeps every pixel where runs of one colour cross scanlines, long runs and single pixels alike', () => {
    // 40 × 6: 60 pixels of a (rows 0 and 1), 3 of b, 57 of c (rows 1 to 2), 40 alternating d and e (row 3),
    // then 80 of a (rows 4 and 5). a, the most frequent, is palette index 0.
    const [a, b, c, d, e] = [[10, 20, 30], [200, 0, 0], [0, 200, 0], [0, 0, 200], [90, 90, 90]];
    const pixels = [
      ...Array.from({ length: 60 }, () => a!), ...Array.from({ length: 3 }, () => b!), ...Array.from({ length: 57 }, () => c!),
      ...Array.from({ length: 40 }, (_, i) => (i % 2 ? d! : e!)), ...Array.from({ length: 80 }, () => a!),
    ];
    const png = encodePalettePng(image(pixels), 40, 6);
    expect(decode(png).rgb).toEqual(pixels);
    expect([...png.subarray(41, 44)]).toEqual(a);
  });

  it('refuses pixels that do not match the size', () => {
    expect(() => encodePalettePng(new Uint8Array(12), 2, 2)).toThrow(/12 bytes for 2 × 2/);
  });
});
