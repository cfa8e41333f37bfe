/**
 * Figures a spec measured (timings, sizes), printed only with
 * `RXFUTURES_SPEC_VERBOSE=1`: the test command stays quiet.
 */
export function verbose(...values: unknown[]): void {
  if (process.env.RXFUTURES_SPEC_VERBOSE === '1') console.log(...values);
}
