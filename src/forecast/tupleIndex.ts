// Dense indexes of distinct tuples of numbers (a fit's distinct (x, t_x, T) rows, a projection's distinct
// arguments), through nested Maps keyed by the numbers themselves: a string key per lookup cost most of a
// BG/NBD forecast's preparation over 350,000 customers. Equal as Map keys means SameValueZero (0 and −0
// are one key), as the string keys it replaces had it.
export class TupleIndex {
  private readonly root = new Map<number, Map<number, Map<number, number>>>();
  /** How many distinct tuples there are: the next new tuple's index. */
  size = 0;

  /** The index of (a, b, c): the one it was given when first seen, or `size` (then incremented) if new. */
  of(a: number, b: number, c: number): number {
    let ma = this.root.get(a);
    if (!ma) this.root.set(a, (ma = new Map()));
    let mb = ma.get(b);
    if (!mb) ma.set(b, (mb = new Map()));
    let k = mb.get(c);
    if (k === undefined) mb.set(c, (k = this.size++));
    return k;
  }
}
