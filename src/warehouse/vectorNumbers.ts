// Numbers out of DuckDB's result vectors without visiting each value through the client's getItem (which
// tests every value's validity bit with BigInt arithmetic): the forecast's customers (forecastData.ts) and
// the matrices' runs (computeRun.ts) are read this way.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A DOUBLE or INTEGER vector's values as they lie in DuckDB's memory (the vector's own array when every
 * value is valid: copy it where it is kept), NULL as `nullAs`; undefined when the vector is not laid out
 * as expected (another type, or another client version), and the caller reads value by value. The fields
 * are the client's own (@duckdb/node-api, pinned in package.json: items, and validity.data, a
 * BigUint64Array of validity bits, least significant first, or null when every value is valid).
 */
export function vectorNumbers(vector: unknown, rows: number, nullAs: number): Float64Array | Int32Array | undefined {
  const { items, validity } = vector as { items?: unknown; validity?: { data?: unknown; offset?: unknown } };
  if (!(items instanceof Float64Array || items instanceof Int32Array) || items.length !== rows) return undefined;
  const bits = validity?.data;
  if (bits === null) return items;
  if (!LITTLE_ENDIAN || !(bits instanceof BigUint64Array) || validity?.offset !== 0 || bits.length * 64 < rows) return undefined;
  // The same bits as 32-bit words, the low word first (on a little-endian machine).
  const words = new Uint32Array(bits.buffer, bits.byteOffset, bits.length * 2);
  const out = Float64Array.from(items);
  for (let j = 0; j < rows; j++) if (!((words[j >>> 5]! >>> (j & 31)) & 1)) out[j] = nullAs;
  return out;
}
