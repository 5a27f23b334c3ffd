// Dense indexes of distinct pairs of numbers (a fit's distinct (x, t_x, T) rows, a projection's distinct
// arguments), numbered 0, 1, 2, … in order of first appearance: an open-addressing hash table over typed
// arrays. Over 350,000 customers, nested Maps (a Map per distinct first number) cost more in garbage
// collection than the BG/NBD fit itself, and string keys more again. Keys are equal as Map keys are
// (SameValueZero: 0 and −0 are one key, NaN is one key).
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

function hashOf(v: number): number {
  // Whole numbers in 32 bits (most keys: counts, days, row numbers) hash from themselves; −0 | 0 is 0.
  if ((v | 0) === v) return Math.imul(v | 0, 0x9e3779b1);
  if (v !== v) return 0x7ff80000;
  bits[0] = v;
  return Math.imul(words[0]! ^ Math.imul(words[1]!, 0x85ebca6b), 0x9e3779b1);
}

const same = (x: number, y: number): boolean => x === y || (x !== x && y !== y);

export class PairIndex {
  /** How many distinct pairs there are: the next new pair's index. */
  size = 0;
  private firsts: Float64Array;
  private seconds: Float64Array;
  /** Per slot, a pair's index + 1 (0: empty); at most half full. */
  private slots: Int32Array;
  private mask: number;

  constructor(expected = 16) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.firsts = new Float64Array(Math.max(8, expected));
    this.seconds = new Float64Array(Math.max(8, expected));
  }

  /** The index of (a, b): the one it was given when first seen, or `size` (then incremented) if new. */
  of(a: number, b: number): number {
    const h = hashOf(a) ^ Math.imul(hashOf(b) + 0x632be5ab, 0xc2b2ae35);
    let slot = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const k = this.slots[slot]! - 1;
      if (k < 0) break;
      if (same(this.firsts[k]!, a) && same(this.seconds[k]!, b)) return k;
      slot = (slot + 1) & this.mask;
    }
    const k = this.size++;
    if (k === this.firsts.length) {
      const firsts = new Float64Array(k * 2);
      firsts.set(this.firsts);
      this.firsts = firsts;
      const seconds = new Float64Array(k * 2);
      seconds.set(this.seconds);
      this.seconds = seconds;
    }
    this.firsts[k] = a;
    this.seconds[k] = b;
    this.slots[slot] = k + 1;
    if (this.size * 2 > this.slots.length) this.grow();
    return k;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let k = 0; k < this.size; k++) {
      const h = hashOf(this.firsts[k]!) ^ Math.imul(hashOf(this.seconds[k]!) + 0x632be5ab, 0xc2b2ae35);
      let slot = (h ^ (h >>> 15)) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = k + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
