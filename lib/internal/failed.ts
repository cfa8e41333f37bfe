/** What {@link failed} reads of a done future (structural, so this floor imports nothing above it). */
interface DoneFuture {
  cancelled(): boolean;
  resultNow(): unknown;
}

/**
 * Whether a done future holds an exception — FIRST_EXCEPTION's test, shared
 * by `wait` and `waitFirst$`. `resultNow()` throwing is the test, not
 * `exceptionNow() !== undefined`: a task may throw `undefined`, and
 * CPython's waiter counts that as an exception too. Cancelled is not failed.
 */
export function failed(f: DoneFuture): boolean {
  if (f.cancelled()) return false;
  try {
    f.resultNow();
    return false;
  } catch {
    return true;
  }
}
