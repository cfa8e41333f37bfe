/**
 * An Executor that runs each call inside `submit` and returns a future that
 * is already done — the smallest "any object implementing Executor" the
 * docs promise works with every operator. It catches operators that only
 * behave when futures finish later (a synchronous source and `take(1)`).
 */
import type { Executor, MapOptions, StreamTaskLike, TaskLike } from '../../lib/Executor';
import { Future } from '../../lib/Future';
import { ShutdownError } from '../../lib/errors';

export class SyncExecutor implements Executor {
  readonly maxWorkers = 1;
  /** How many calls ran. */
  calls = 0;
  #closed = false;

  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    if (this.#closed) throw new ShutdownError('submit: cannot schedule new futures after shutdown');
    if (typeof task !== 'function') throw new TypeError('SyncExecutor runs functions only');
    const f = new Future<Awaited<R>>();
    f.setRunningOrNotifyCancel();
    this.calls += 1;
    try {
      f.setResult(task(...args) as Awaited<R>);
    } catch (err) {
      f.setException(err);
    }
    return f;
  }

  async *map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, _options?: MapOptions): AsyncIterableIterator<Awaited<R>> {
    for await (const item of items) yield await this.submit(task, item);
  }

  async *stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y> {
    if (typeof task !== 'function') throw new TypeError('SyncExecutor runs functions only');
    yield* task(...args);
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
