// zod, as ltv's code loads it: every value import of `zod` comes through here (type imports may name the
// package). `npm run build` bundles this module into one file in place (src/config/bundleEntries.mjs): the
// package is ~95 ES modules, each resolved, linked and compiled at the start of every command that reads
// a job or a request. One copy of zod's classes either way.
export { z } from 'zod';
