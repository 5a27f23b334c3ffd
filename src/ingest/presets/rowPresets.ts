// The row presets (RowPreset.ts), by name: each in a file of its own, with its SQL in src/sql/presets/.
import type { RowPreset } from './RowPreset.js';
import { STRIPE_PRESET } from './stripe.js';

export const ROW_PRESETS: Readonly<Record<string, RowPreset>> = {
  stripe: STRIPE_PRESET,
};
