// The native report (SPEC §5 json): the report model as it is, versioned by `schema_version`.
import { writeFile } from 'node:fs/promises';
import type { TenantReport } from '../ltv/model.js';

export async function writeJson(report: TenantReport, path: string): Promise<void> {
  await writeFile(path, JSON.stringify(report));
}
