/**
 * The provider that owns the thread pool: one per application, created by
 * Nest's injector, shut down when the application closes.
 */
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Observable, from, map } from 'rxjs';
import { ThreadPoolExecutor, mapOrdered$, taskModule } from 'rxfutures';

// require.resolve names the module the way this CommonJS app is built: tasks.ts under ts-jest or tsx,
// tasks.js once compiled with tsc.
const tasks = taskModule<typeof import('./tasks')>(require.resolve('./tasks'));

/** One answer of the stream. `n` is a decimal string: JSON has no bigint. */
export interface PrimeAnswer {
  n: string;
  prime: boolean;
}

@Injectable()
export class PrimesService implements OnApplicationShutdown {
  /** Calls started so far, counted by the workers themselves (slot 0); `pool.stats` has the rest. */
  readonly started = new Int32Array(new SharedArrayBuffer(4));
  readonly pool = new ThreadPoolExecutor({
    threadNamePrefix: 'primes',
    initializer: tasks.shareCounter,
    initargs: [this.started.buffer as SharedArrayBuffer],
  });

  /**
   * Checks the numbers in parallel and answers in their order. Cold: the
   * work starts on subscribe, and unsubscribing (the client left) cancels
   * the queued calls and interrupts the running ones.
   */
  check(numbers: readonly bigint[]): Observable<PrimeAnswer> {
    return from(numbers).pipe(
      mapOrdered$(this.pool, tasks.isPrime),
      map((prime, i) => ({ n: numbers[i].toString(), prime })),
    );
  }

  /** Nest calls this on app.close() (and on SIGTERM with enableShutdownHooks): queued calls are cancelled, the threads end. */
  onApplicationShutdown(): Promise<void> {
    return this.pool.shutdown({ cancelFutures: true });
  }
}
