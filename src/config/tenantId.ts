// SPEC §3, §5, §6: any id a row carries is a tenant, published under a safe directory name
// (publish/publishRun.ts tenantDirName), and keys may name it. A tenant id from a URL or a key never
// touches the file system itself: the endpoint looks its directory up by that same safe name, so `..`,
// `a/b` or `acme corp` are ordinary ids and never a path.
export const TENANT_ID_MAX = 1024;

/** Any id a row can carry: not empty, at most TENANT_ID_MAX characters. */
export function isValidTenantId(id: string): boolean {
  return id.length > 0 && id.length <= TENANT_ID_MAX;
}
