// A count given on the command line (--threads, --shards, --rpm, --port, PORT) or in the environment
// (LTV_CONCURRENCY, LTV_METRICS_PORT, …: env.ts): decimal digits only, with white space around them. Number() also reads "" as 0, "0x10" as 16, "1e1" as 10 and "0b11" as 3.

/** The number `text` writes in decimal digits, or NaN for any other text (each flag then says its own range). */
export function wholeNumberOf(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}
