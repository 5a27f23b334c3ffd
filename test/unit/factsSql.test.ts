// STYLE: SQL whose text varies is enumerated and kept. The statements from the checked rows to the facts
// (10_payments, 11_movements, 13_first_payments, 14_customers_all) follow the run's inputs: which optional
// columns some input stores (a column no input has is a constant, not carried through a sort), whether some
// input is a RevenueCat export, whether renewal numbers are derived. What each variant puts into their
// placeholders (src/ltv/buildFacts.ts factsIdentifiers; the rest of them is the .sql files as they stand) is
// compared with its golden file in test/golden/facts/. A
// deliberate change regenerates them: `UPDATE_GOLDEN=1 npx vitest run --config test/vitest.config.ts
// test/unit/factsSql.test.ts`, and the diff is reviewed like code. The statements themselves run in every
// run the integration tests make (ltvRules, revenuecatPreset, presets, realData).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { columnsOfStored } from '../../src/ingest/readInputs.js';
import { factsIdentifiers, factsStatements } from '../../src/ltv/buildFacts.js';
import { DIMENSIONS } from '../../src/warehouse/tables.js';

const GOLDEN = new URL('../golden/facts/', import.meta.url);

const VARIANTS: Record<string, { stored: string[]; revenuecatFiles: number[]; derive: boolean }> = {
  // customer_id, event_time and amount only: every renewal number derived, no dimension.
  minimal: { stored: [], revenuecatFiles: [], derive: true },
  // An export that numbers its renewals and carries a few dimensions (the bench's shape).
  'given-renewals': { stored: ['transaction_id', 'renewal_number', 'product_id', 'store', 'country'], revenuecatFiles: [], derive: false },
  // Some renewal numbers given, the rest derived; the seller's own proceeds and fees.
  'partly-derived': { stored: ['renewal_number', 'proceeds', 'commission', 'tax', 'product_id'], revenuecatFiles: [], derive: true },
  // RevenueCat's export (presets.ts): trials numbered like paid periods, refunds by time, portions.
  revenuecat: {
    stored: ['transaction_id', 'commission', 'tax', 'proceeds', 'renewal_number', 'refunded_at', 'is_sandbox', 'is_trial', 'updated_at', 'product_id', 'store', 'country'],
    revenuecatFiles: [0], derive: false,
  },
  // A RevenueCat file beside a canonical one, neither with trials: the rules apply to file 1 only.
  'revenuecat-mixed': { stored: ['transaction_id', 'renewal_number', 'refunded_at', 'product_id'], revenuecatFiles: [1], derive: true },
};

type Variant = (typeof VARIANTS)[string];
const variantOf = (v: Variant) => ({ columns: columnsOfStored(v.stored).columns, revenuecatFiles: v.revenuecatFiles, derive: v.derive });

/** Each statement's placeholders and what this variant puts there. */
function identifiersOf(v: Variant): string {
  return Object.entries(factsIdentifiers(variantOf(v)))
    .map(([statement, ids]) => `-- ${statement}\n${Object.entries(ids).map(([k, t]) => `{{${k}}}: ${t}\n`).join('')}`).join('\n');
}

/** The statements' whole text. */
function textOf(v: Variant): string {
  return Object.values(factsStatements(variantOf(v))).join('\n');
}

describe('the facts statements’ variants', () => {
  for (const [name, v] of Object.entries(VARIANTS)) {
    it(`${name}: what it puts into the statements is its golden file's`, () => {
      expect(textOf(v)).not.toMatch(/\{\{/);
      const text = identifiersOf(v);
      const file = new URL(`${name}.txt`, GOLDEN);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('the variants differ where the inputs do, and only there', () => {
    const texts = Object.values(VARIANTS).map(textOf);
    expect(new Set(texts).size).toBe(texts.length);
    // Without RevenueCat no statement names file_idx; with it, its files are listed.
    expect(textOf(VARIANTS.minimal!)).not.toMatch(/file_idx/);
    expect(textOf(VARIANTS['revenuecat-mixed']!)).toMatch(/file_idx IN \(1\)/);
    // A derived renewal number sorts the payments; given ones do not.
    expect(textOf(VARIANTS['given-renewals']!)).not.toMatch(/row_number\(\) OVER \(PARTITION BY tenant_id, customer_id, product_id/);
    expect(textOf(VARIANTS['partly-derived']!)).toMatch(/row_number\(\) OVER \(PARTITION BY tenant_id, customer_id, product_id/);
  });
});

// attr_id numbers the attribute tuples in the order of the dimension columns, and 25_published_facts.sql
// sorts by it as ORDER BY ALL would: the fixed text must list every dimension, in DIMENSIONS' order (a
// sharded run's merge numbers them from DIMENSIONS itself).
it('numbers the attribute tuples in the order of every dimension column (13_first_payments.sql)', () => {
  const sql = readFileSync(new URL('../../src/sql/13_first_payments.sql', import.meta.url), 'utf8');
  const order = /row_number\(\) OVER \(\s*ORDER BY ([^)]*)\)/.exec(sql)?.[1];
  expect(order?.split(',').map((c) => c.trim())).toEqual([...DIMENSIONS]);
});
