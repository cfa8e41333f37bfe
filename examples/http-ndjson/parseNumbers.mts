const kMaxNumbers = 100;
const kNumber = /^\d{1,40}$/;

/** What a bad query gets, with a 400. */
export const kBadNumbers = `n must be a comma-separated list of 1 to ${kMaxNumbers} non-negative integers of at most 40 digits`;

/**
 * The `n` query parameter (every value of it: `searchParams.getAll('n')`),
 * a comma-separated list of non-negative integers, as bigints; undefined for
 * anything else. The query is untrusted: its size is bounded, and a repeated
 * parameter, a sign, an exponent or 41 digits are refused.
 */
export function parseNumbers(values: readonly string[]): bigint[] | undefined {
  if (values.length !== 1) return undefined;
  const parts = values[0].split(',');
  if (parts.length > kMaxNumbers || !parts.every((p) => kNumber.test(p))) return undefined;
  return parts.map(BigInt);
}
