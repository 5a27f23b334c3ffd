// Injected by the build into a bundle whose packages need it (bundleEntries.mjs) in place of the global
// `Buffer`: the same Buffer, whose deprecated call as a constructor, `new Buffer(n)` / `new Buffer(text)`
// (archiver-utils, under exceljs's zip writer, still makes it), becomes `Buffer.alloc(n)` / `Buffer.from(…)`, what the
// constructor has done since Node 8. Node warns about that call (DEP0005) only when it comes from code
// outside node_modules, which a bundle in dist/ is: every run printed the warning on stderr.
export const Buffer = new Proxy(globalThis.Buffer, {
  construct: (B, args) => legacy(B, args),
  apply: (B, _self, args) => legacy(B, args),
});

function legacy(B, [value, encodingOrOffset, length]) {
  return typeof value === 'number' ? B.alloc(value) : B.from(value, encodingOrOffset, length);
}
