// A real response checked against the OpenAPI document (src/serve/openapi.json): its status must be
// documented for the operation, and a JSON body must validate against that status's schema.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import type { RawResponse } from './httpRequest.js';

export interface OpenapiDoc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
}
export const doc = JSON.parse(readFileSync(new URL('../../src/serve/openapi.json', import.meta.url), 'utf8')) as OpenapiDoc;
export const ajv = new Ajv2020({ strict: false, allErrors: true });
// Format keywords are annotations unless a format plugin is loaded; these two we check ourselves.
ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /T.*Z$/.test(s));
ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');

export function checkOpenapi(path: string, method: string, r: RawResponse): void {
  const op = doc.paths[path]?.[method];
  expect(op, `${method} ${path} documented`).toBeDefined();
  const resp = op?.responses[String(r.status)];
  expect(resp, `${method} ${path} documents ${r.status}`).toBeDefined();
  const ct = String(r.headers['content-type'] ?? '').split(';')[0] as string;
  if (r.status === 304 || (r.status === 303 && !resp?.content)) return;
  const media = resp?.content?.[ct];
  expect(media, `${r.status} documents ${ct}`).toBeDefined();
  if (ct !== 'application/json') return;
  const schema = JSON.parse(JSON.stringify(media?.schema).replaceAll('"#/components/', '"doc#/components/')) as object;
  const validate = ajv.compile(schema);
  const ok = validate(r.json());
  expect(ok, `${method} ${path} ${r.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}
