// A published file or directory that is there but cannot be read (EACCES, EPERM, EIO, ELOOP…), as against
// one that is absent (ENOENT, or ENOTDIR: a file where a folder would be). The server answered both 404,
// so a tenant whose directory lost its permissions looked unknown to its clients and nothing alerted; the
// routes answer an UnreadablePath 500 (a fault, its `request failed` line naming the path and errno).

/** The file system's error for `path`, said in one line with what to do; `code` and `path` for the log. */
export class UnreadablePath extends Error {
  readonly code: string;
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
    const what = code === 'ELOOP' ? 'a symlink on its path leads back to itself: replace it' : 'give the user this process runs as read access to it and its folders';
    super(`${path} cannot be read (${code}): ${what}, or remove it`, { cause });
    this.name = 'UnreadablePath';
    this.code = code;
    this.path = path;
  }
}

/** Whether `e` says `path` is absent (ENOENT, ENOTDIR); any other failure to read it throws an UnreadablePath. */
export function absentOrUnreadable(e: unknown, path: string): true {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return true;
  throw new UnreadablePath(path, e);
}
