import type { Observable } from 'rxjs';
import { asCompleted$, Future, waitFirst$, type DoneAndNotDone } from '../../lib';
import { expectType } from './expectType';

/** @test {asCompleted$} {waitFirst$} types (spec-dtslint style: the checks are compile-time) */
describe('types of asCompleted$ and waitFirst$', () => {
  const n = new Future<number>();
  const s = new Future<string>();

  it('should infer a union from futures of mixed result types', () => {
    expectType<Observable<Future<number> | Future<string>>>()(asCompleted$([n, s]));
    expectType<Observable<{ done: Set<Future<number> | Future<string>>; notDone: Set<Future<number> | Future<string>> }>>()(waitFirst$([n, s]));
  });

  it('should keep one result type for futures of one type, assignable to DoneAndNotDone', () => {
    expectType<Observable<Future<number>>>()(asCompleted$([n, new Future<number>()]));
    const split$: Observable<DoneAndNotDone<number>> = waitFirst$([n]);
    expect(split$).toBeDefined();
  });

  it('should refuse what is not a Future', () => {
    // @ts-expect-error a number is not a Future
    expect(() => asCompleted$([1])).toThrow(TypeError);
    // @ts-expect-error a promise is not a Future
    expect(() => waitFirst$([Promise.resolve(1)])).toThrow(TypeError);
  });
});
