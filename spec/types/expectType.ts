/**
 * Type checks in the style of RxJS's spec-dtslint and tsd's `expectType`,
 * run by `npm run typecheck` (tsc over lib and spec, part of `npm test`;
 * Jest itself only transpiles): a spec in spec/types fails to compile (and
 * so fails the test command) when an inferred type is not exactly the one
 * expected.
 */

/** True only when X and Y are the same type (not merely assignable either way). */
export type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;

/** Compiles only when the value's type is exactly `Expected`. */
export function expectType<Expected>() {
  return <Actual>(value: Actual, ..._exact: Equal<Actual, Expected> extends true ? [] : [never]): Actual => value;
}
