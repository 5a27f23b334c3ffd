#!/usr/bin/env node
// `npx ltv`: runs the TypeScript CLI through tsx (a runtime dependency), so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
