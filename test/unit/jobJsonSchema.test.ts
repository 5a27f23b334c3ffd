// jobs/job.schema.json must be exactly what the zod schema generates: editors and `ltv` agree.
// Regenerate deliberately with: LTV_WRITE_SCHEMA=1 npx vitest run --config test/vitest.config.ts test/unit/jobJsonSchema.test.ts
import { readFile, writeFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { jobJsonSchema } from '../../src/config/jobJsonSchema.js';

const FILE = new URL('../../jobs/job.schema.json', import.meta.url);

test('jobs/job.schema.json is the JSON Schema generated from the job schema', async () => {
  const generated = `${JSON.stringify(jobJsonSchema(), null, 2)}\n`;
  if (process.env.LTV_WRITE_SCHEMA === '1') await writeFile(FILE, generated);
  expect(await readFile(FILE, 'utf8')).toBe(generated);
});

test('every top-level field is described for editors', () => {
  const schema = jobJsonSchema() as { properties: Record<string, { description?: string }> };
  const undocumented = Object.entries(schema.properties).filter(([k, v]) => k !== '$schema' && !v.description).map(([k]) => k);
  expect(undocumented).toEqual([]);
});
