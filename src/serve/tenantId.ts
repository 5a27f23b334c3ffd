// SPEC §6 "nothing outside the reports directory is ever read": a tenant id from a URL or a key is only
// ever used as a directory name after passing this allow-list. Ids that are not plain file-name-safe
// characters, and the names `.`/`..`, simply do not exist.
export const TENANT_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export function isSafeTenantId(id: string): boolean {
  return TENANT_ID_PATTERN.test(id) && id !== '.' && id !== '..';
}
