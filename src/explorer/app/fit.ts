// Row names cut to the room the page gives them (the heatmap's row headers, the curves' key): DOM-side,
// apart from format.ts, which the Node tests import.
import { middleCut, graphemes } from './format.js';

let measure: CanvasRenderingContext2D | null = null;

/**
 * Cuts in their middle, to the width their element gives them, the texts that overflow it (each element's
 * text is its whole name): a cut by a count of characters was still wider than a narrow row header, whose
 * CSS ellipsis then cut the end as well, and `AAA…A-end1` and `AAA…A-end2` read alike. The whole name goes
 * in the element's title and accessible name. Returns the elements cut. Measured with the element's font on
 * a canvas (no layout per try), then checked in the page.
 */
export function fitInMiddle(els: readonly HTMLElement[]): HTMLElement[] {
  const over = els.filter((el) => el.scrollWidth > el.clientWidth);
  if (over.length === 0) return [];
  measure ??= document.createElement('canvas').getContext('2d');
  const kept = new Map<HTMLElement, { chars: string[]; n: number; whole: string }>();
  for (const el of over) {
    const whole = el.textContent ?? '';
    const chars = graphemes(whole);
    const cs = getComputedStyle(el);
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 2;
    let n = Math.min(chars.length - 1, 32);
    if (measure) {
      measure.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      // The most characters whose cut fits.
      let lo = 3;
      let hi = chars.length - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (measure.measureText(middleCut(whole, mid)).width <= room) lo = mid;
        else hi = mid - 1;
      }
      n = lo;
    }
    el.textContent = middleCut(whole, n);
    el.setAttribute('title', whole);
    el.setAttribute('aria-label', whole);
    kept.set(el, { chars, n, whole });
  }
  // The page's own measure has the last word (a font the canvas measured otherwise).
  for (const [el, k] of kept) {
    while (el.scrollWidth > el.clientWidth && k.n > 3) el.textContent = middleCut(k.whole, --k.n);
  }
  return over;
}
