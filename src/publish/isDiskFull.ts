// A write refused because the disk (or the user's quota) is full: worth retrying once space is freed, unlike a
// read-only or refused one. One test for the pipeline's storage line, the lock files and the email records.
// DuckDB's "Out of Memory Error: failed to offload data block" is one too: its spill files may take only a
// share of the disk's free space (max_temp_directory_size, 90 % by default), and a nearly full disk ends
// them there; it was said as the run's memory limit, whose advice (raise it) does not help.
export function isDiskFull(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return err?.code === 'ENOSPC' || err?.code === 'EDQUOT' || /No space left on device|Disk quota exceeded|failed to offload data block/i.test(err?.message ?? '');
}
