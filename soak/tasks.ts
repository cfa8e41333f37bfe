/**
 * The soak's task module (loaded in the workers through rxfutures'
 * TypeScript hook, and in the main thread to compute expectations).
 */

/** About one item in a hundred throws: a multiplicative hash of the index, mod 100. */
export function isThrower(i: number): boolean {
  return (Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0) % 100 === 0;
}

/** The result of item `i`: unique per item (i × 1000 + a checksum of 200 rounds of mixing). */
export function expected(i: number): number {
  let h = i | 0;
  for (let r = 0; r < 200; r++) h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + r;
  return i * 1000 + ((h >>> 0) % 1000);
}

/** The soak's task: `expected(i)`, or an Error naming the item for the 1% that throw. */
export function work(i: number): number {
  if (isThrower(i)) {
    const error = new Error(`item ${i} failed on purpose`) as Error & { item: number };
    error.item = i;
    throw error;
  }
  return expected(i);
}
