// A chart's title on as many lines as it needs (up to a limit), so a long tenant id never runs off the
// image. resvg draws SVG text on one line whatever its length, and a tenant id may be 128 characters.
// Widths are computed from the font's advances, not measured (measuring needs the renderer, on another
// thread): DejaVu Sans Bold is the only font the charts use (bundled), its printable ASCII advances are
// below; other Latin letters count 0.9 em and anything else 1.11 em (the font's widest), so an estimate
// may end a line early but never past the margin.

/** DejaVu Sans Bold's advance widths in thousandths of an em, for U+0020 … U+007E (resvg, 20 px). */
const ASCII_ADVANCE = [
  348, 458, 522, 838, 695, 1002, 872, 307, 458, 458, 522, 838, 380, 415, 380, 365, 695, 695, 695, 695, 695, 695, 695, 695,
  695, 695, 400, 400, 838, 838, 838, 580, 1000, 775, 762, 735, 830, 682, 682, 820, 838, 372, 372, 775, 637, 995, 838, 850,
  733, 850, 770, 677, 705, 813, 775, 1103, 772, 725, 725, 458, 365, 458, 838, 500, 500, 675, 715, 593, 715, 677, 405, 715,
  713, 342, 342, 665, 342, 1042, 713, 688, 715, 715, 492, 595, 478, 713, 653, 925, 645, 653, 583, 713, 365, 713, 838,
];

/** The width of `text` in em of DejaVu Sans Bold (exact for ASCII, an upper bound otherwise). */
function widthEm(text: string): number {
  let thousandths = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    thousandths += c >= 0x20 && c <= 0x7e ? ASCII_ADVANCE[c - 0x20]! : c <= 0x24f ? 900 : 1110;
  }
  return thousandths / 1000;
}

/**
 * `text` in lines no wider than `maxPx` at `fontPx`: broken at spaces where it can, inside a word (an id
 * without spaces) where it must; past `maxLines` the last line ends in "…".
 */
export function titleLines(text: string, maxPx: number, fontPx: number, maxLines: number): string[] {
  const maxEm = maxPx / fontPx;
  const lines: string[] = [];
  let line = '';
  const push = (): void => {
    lines.push(line);
    line = '';
  };
  for (const word of text.split(' ')) {
    const joined = line === '' ? word : `${line} ${word}`;
    if (widthEm(joined) <= maxEm) {
      line = joined;
      continue;
    }
    if (line !== '') push();
    // The word alone, split where a line is full.
    for (const ch of word) {
      if (line !== '' && widthEm(line + ch) > maxEm) push();
      line += ch;
    }
  }
  if (line !== '') push();
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = [...kept[maxLines - 1]!];
  while (last.length > 0 && widthEm(`${last.join('')}…`) > maxEm) last = last.slice(0, -1);
  kept[maxLines - 1] = `${last.join('')}…`;
  return kept;
}

/** The distance between a title's lines (20 px text). */
export const TITLE_LINE = 26;
