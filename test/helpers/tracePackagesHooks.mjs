// Module hooks of tracePackages.mjs (they run in the loader thread).
const seen = new Set();

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(result.url);
  if (m && !seen.has(m[1])) {
    seen.add(m[1]);
    process.stderr.write(`package ${m[1]}\n`);
  }
  return result;
}
