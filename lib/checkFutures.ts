import { Future } from './Future';
import { describe } from './internal/validate';

/**
 * Turns `fs` into an array of distinct futures, or throws a TypeError naming
 * the culprit: the input check of `wait`, `asCompleted`, `asCompleted$` and
 * `waitFirst$`. It lives beside Future, not in lib/internal, because it needs
 * the class itself (`instanceof`); the bottom floor never imports upwards.
 *
 * @example
 * ```ts
 * const futures = checkFutures(fs, 'wait'); // duplicates dropped, input order kept
 * ```
 * @param fs - what the caller passed
 * @param name - the caller's name, for the message
 * @returns the distinct futures, in input order
 * @throws TypeError for a non-iterable or a non-Future element
 */
export function checkFutures(fs: unknown, name: string): Future<unknown>[] {
  if (fs === null || fs === undefined || typeof (fs as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${name}: fs must be an iterable of Futures, got ${describe(fs)}`);
  }
  const unique = new Set<Future<unknown>>();
  let index = 0;
  for (const f of fs as Iterable<unknown>) {
    if (!(f instanceof Future)) {
      throw new TypeError(`${name}: fs[${index}] is not a Future, got ${describe(f)}`);
    }
    unique.add(f);
    index += 1;
  }
  return [...unique];
}
