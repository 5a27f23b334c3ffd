// A file where a folder must be (ENOTDIR; EEXIST from mkdir): what is in the way and what to do, said alike by
// every check of a path the run writes (the reports directory, a tenant's runs folder, a write mid-run). The
// reports directory's probe said "(ENOTDIR): … make it writable", which no chmod fixes.

/** Whether an error code means a part of the path is a file, not a folder. */
export function isNotAFolder(code: string | undefined): boolean {
  return code === 'ENOTDIR' || code === 'EEXIST';
}

export const NOT_A_FOLDER = { why: 'a part of that path is a file, not a folder', fix: 'move the file away' } as const;
