/**
 * An Angular-style service, written without Angular: the executor is created
 * in the constructor (or injected, for tests) and shut down in ngOnDestroy.
 * Components subscribe to its Observables; unsubscribing — leaving the page,
 * switchMap to a newer query — cancels the work in the pool.
 */
import { type Observable, map, toArray } from 'rxjs';
import { type Executor, ThreadPoolExecutor, mapOrdered$, submit$, taskModule } from 'rxfutures';

// Resolved, not hard-coded: tasks.ts under tsx or ts-jest, tasks.js once compiled. (In an ES
// module: taskModule<typeof import('../tasks.js')>(import.meta.resolve('../tasks.js')).)
const tasks = taskModule<typeof import('../tasks')>(require.resolve('../tasks'));

export class PrimeService {
  readonly #executor: Executor;

  /** @param executor - injected in tests (a VirtualExecutor); a thread pool by default */
  constructor(executor?: Executor) {
    this.#executor = executor ?? new ThreadPoolExecutor({ maxWorkers: 2, threadNamePrefix: 'primes' });
  }

  /** Whether one number is prime, computed off the event loop. */
  isPrime(n: number): Observable<boolean> {
    return submit$(this.#executor, tasks.isPrime, n);
  }

  /** The primes among a stream of candidates, in the order given. */
  primesAmong(candidates: Observable<number>): Observable<number[]> {
    return candidates.pipe(
      mapOrdered$(this.#executor, tasks.primePair),
      toArray(),
      map((pairs) => pairs.filter(([, prime]) => prime).map(([n]) => n)),
    );
  }

  ngOnDestroy(): Promise<void> {
    return this.#executor.shutdown({ cancelFutures: true });
  }
}
