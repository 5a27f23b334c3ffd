// Colours readable for colour-blind users: viridis for the heatmap (perceptually uniform, monotone in
// lightness, legible in grey), Okabe & Ito's qualitative palette for the curves.

// viridis at 0, 1/8, … 1 (matplotlib's table, sampled).
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84], [70, 50, 127], [54, 92, 141], [39, 127, 142], [31, 161, 135],
  [74, 194, 109], [159, 218, 58], [208, 225, 28], [253, 231, 37],
];

const TEXT_SWITCH = Math.sqrt(1.05 * 0.05) - 0.05;

/** The viridis colour of t ∈ [0, 1] and a text colour that contrasts with it. */
export function viridis(t: number): { bg: string; fg: string } {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i] as [number, number, number];
  const b = VIRIDIS[i + 1] as [number, number, number];
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f)) as [number, number, number];
  // Relative luminance L (WCAG): black text on the light end, white on the dark end, switched where both
  // contrast equally, (L + 0.05) / 0.05 = 1.05 / (L + 0.05), i.e. L = √(1.05 · 0.05) − 0.05 ≈ 0.179: every
  // cell then has at least 4.58:1, over WCAG AA's 4.5:1 for small text.
  const lin = c.map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
  return { bg: `rgb(${c[0]}, ${c[1]}, ${c[2]})`, fg: lum > TEXT_SWITCH ? '#000' : '#fff' };
}

/** CSS gradient of the whole scale, for the legend. */
export function viridisGradient(): string {
  return `linear-gradient(to right, ${VIRIDIS.map((c, i) => `rgb(${c.join(', ')}) ${Math.round((i / (VIRIDIS.length - 1)) * 100)}%`).join(', ')})`;
}

/** Okabe & Ito (2008) without yellow (too light on white); the Total curve is drawn in near-black. */
export const CURVE_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'] as const;
export const TOTAL_COLOUR = '#222';
/** The Total's predicted interval in the curves: a light grey band with faint edges. */
export const BAND_FILL = 'rgba(34, 34, 34, 0.12)';
export const BAND_EDGE = 'rgba(34, 34, 34, 0.35)';
