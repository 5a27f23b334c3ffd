// `node --import ./test/helpers/tracePackages.mjs …`: prints `package <name>` on stderr for every npm
// package the process loads (resolved from node_modules), so a test can check what a command imports.
import { register } from 'node:module';

register('./tracePackagesHooks.mjs', import.meta.url);
