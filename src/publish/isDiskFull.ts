// A write refused because the disk (or the user's quota) is full: worth retrying once space is freed, unlike a
// read-only or refused one. One test for the pipeline's storage line, the lock files and the email records.
export function isDiskFull(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return err?.code === 'ENOSPC' || err?.code === 'EDQUOT' || /No space left on device|Disk quota exceeded/i.test(err?.message ?? '');
}
