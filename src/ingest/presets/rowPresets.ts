// The row presets (RowPreset.ts), by name: each in a file of its own, with its SQL in src/sql/presets/.
import { ADAPTY_PRESET } from './adapty.js';
import { PADDLE_PRESET } from './paddle.js';
import type { RowPreset } from './RowPreset.js';
import { SHOPIFY_PRESET } from './shopify.js';
import { STRIPE_PRESET } from './stripe.js';

export const ROW_PRESETS: Readonly<Record<string, RowPreset>> = {
  stripe: STRIPE_PRESET,
  shopify: SHOPIFY_PRESET,
  adapty: ADAPTY_PRESET,
  paddle: PADDLE_PRESET,
};
