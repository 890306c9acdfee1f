/**
 * Writes an instant the way Python's `datetime.isoformat()` writes an aware UTC datetime with
 * microseconds, e.g. `2026-04-15T12:00:00.123456+00:00`, so clients meet the format real
 * servers send rather than JavaScript's `Z` with milliseconds.
 */
export function formatPythonUtc(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const seconds = new Date(wholeMs).toISOString().slice(0, 19);
  const microseconds = Math.floor(epochMs * 1000) - Math.floor(wholeMs / 1000) * 1_000_000;
  return `${seconds}.${String(microseconds).padStart(6, '0')}+00:00`;
}
