// Whether an error means "no space left": Node's ENOSPC, SQLite's SQLITE_FULL, or the engine's io_error whose message
// carries the OS reason (strerror(ENOSPC)), so each is reported as disk full and not as a generic I/O error.
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  return e.code === 'ENOSPC' || e.code === 'SQLITE_FULL' || e.code === 'EDQUOT' || /no space left on device|disk is full|disk quota exceeded/i.test(e.message ?? '');
}
