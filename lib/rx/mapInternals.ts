import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import type { Executor, TaskLike } from '../Executor';
import type { Future } from '../Future';
import { Fifo } from '../internal/Fifo';
import { kPreferredInFlight, kSubmitBatch } from '../internal/symbols';
import { checkPositiveInteger, checkPositiveIntegerOrInfinity, describe } from '../internal/validate';
import { isTask } from '../Task';
import { subscribeLinked } from './subscribeLinked';

/** Options shared by {@link mapOrdered$} and {@link mapUnordered$}. */
export interface MapInternalsOptions {
  /**
   * At most this many calls submitted and not yet emitted.
   * @default 2 × executor.maxWorkers (× chunksize); on a thread pool that has learnt the task is
   *   tiny, 2 × maxWorkers messages of as many calls as it coalesces into one
   */
  buffersize?: number;
  /** Source values sent per message, on executors that can batch. @default 1 */
  chunksize?: number;
  /** Unsubscribing (or a failure) stops running calls too; `false` is Python's strict semantics. @default true */
  interrupt?: boolean;
}

// An executor with the optional batch method (lib/internal/symbols.ts).
interface Batching {
  [kSubmitBatch]<A extends unknown[], R>(task: TaskLike<A, R>, argsList: A[]): Future<Awaited<R>>[];
}

// An executor that can say how many calls of a task keep it busy (lib/internal/symbols.ts).
interface Preferring {
  [kPreferredInFlight](task: TaskLike<any[], unknown>): number | undefined;
}

/**
 * The engine of {@link mapOrdered$} and {@link mapUnordered$} (as RxJS's
 * `mergeInternals` is of `mergeMap` and `concatMap`): `ordered` is the only
 * difference. Validates options at operator creation.
 *
 * @param name - the operator's name, for messages
 * @returns the operator
 */
export function mapInternals<T, R>(
  name: string,
  executor: Executor,
  task: TaskLike<[T], R>,
  options: MapInternalsOptions & { ordered: boolean },
): OperatorFunction<T, Awaited<R>> {
  if (executor === null || typeof executor !== 'object' || typeof executor.submit !== 'function') {
    throw new TypeError(`${name}: executor must be an Executor, got ${describe(executor)}`);
  }
  // Checked here, at operator creation, so a bad task never reaches the subscription's machinery.
  if (typeof task !== 'function' && !isTask(task)) {
    throw new TypeError(`${name}: task must be a Task (task() / taskModule()) or a self-contained function, got ${describe(task)}`);
  }
  const { chunksize = 1, interrupt = true, ordered } = options;
  checkPositiveInteger(chunksize, `${name}: options.chunksize`);
  const { maxWorkers } = executor;
  // maxWorkers: Infinity (VirtualExecutor) starts every call at once, so no window is needed either.
  const workers = maxWorkers === Infinity || (Number.isInteger(maxWorkers) && maxWorkers > 0) ? maxWorkers : 1;
  // Room for two messages per worker, so no worker waits for the next one.
  const { buffersize = 2 * workers * chunksize } = options;
  checkPositiveIntegerOrInfinity(buffersize, `${name}: options.buffersize`);
  // With no buffersize given, a thread pool that coalesces tiny calls may ask for a wider window:
  // 2 × maxWorkers *messages* in flight rather than 2 × maxWorkers calls.
  const prefer = (executor as Partial<Preferring>)[kPreferredInFlight];
  const window =
    options.buffersize === undefined && chunksize === 1 && typeof prefer === 'function'
      ? (): number => {
          try {
            return Math.max(buffersize, prefer.call(executor, task as TaskLike<any[], unknown>) ?? 0);
          } catch {
            return buffersize; // the executor refuses the task: submit() reports why, to the subscriber
          }
        }
      : (): number => buffersize;
  if (typeof interrupt !== 'boolean') throw new TypeError(`${name}: options.interrupt must be a boolean, got ${describe(interrupt)}`);
  const batch = chunksize > 1 && typeof (executor as Partial<Batching>)[kSubmitBatch] === 'function';
  return (source) =>
    new Observable<Awaited<R>>((subscriber) =>
      mapEngine(source, subscriber, { executor, task, window, chunksize: batch ? chunksize : 1, interrupt, ordered, batch }),
    );
}

interface EngineConfig<T, R> {
  executor: Executor;
  task: TaskLike<[T], R>;
  /** The buffersize now (it may widen as the executor learns the task). */
  window: () => number;
  chunksize: number;
  interrupt: boolean;
  ordered: boolean;
  batch: boolean;
}

function mapEngine<T, R>(source: Observable<T>, subscriber: Subscriber<Awaited<R>>, config: EngineConfig<T, R>): void {
  const { executor, task, window: currentWindow, chunksize, interrupt, ordered, batch } = config;
  // Source values waiting for room: plain values, never futures (backpressure).
  const buffer = new Fifo<T>();
  // Ordered: submitted calls not yet emitted, in submission order.
  const window = new Fifo<Future<Awaited<R>>>();
  // Unordered: submitted calls not yet emitted.
  const inFlight = new Set<Future<Awaited<R>>>();
  // Unordered: done calls, in completion order, waiting to be emitted.
  const finished: Future<Awaited<R>>[] = [];
  // How many calls are submitted and not yet emitted.
  const active = (): number => (ordered ? window.length : inFlight.size);
  // The source completed.
  let isComplete = false;
  // pump() is running; `again` asks it for one more round (re-entrant calls).
  let pumping = false;
  let again = false;
  // Errored, completed or unsubscribed: nothing more is emitted or submitted. `subscriber.closed` is the one flag:
  // it turns true inside the downstream's own unsubscribe, even in the middle of a synchronous emission.

  // Registered before the source is subscribed, so it runs however early the downstream leaves.
  subscriber.add(() => {
    buffer.drain();
    const unfinished = ordered ? window.drain() : [...inFlight];
    inFlight.clear();
    finished.length = 0;
    // Newest first: queued calls are cancelled before running ones free their workers.
    for (const f of unfinished.reverse()) if (!f.done()) f.cancel({ interrupt });
  });

  const onDone = (f: Future<Awaited<R>>): void => {
    if (subscriber.closed) return;
    if (!ordered) finished.push(f);
    pump();
  };

  // Emits what can be emitted: the head in order, or whatever finished.
  const emitReady = (): void => {
    while (!subscriber.closed) {
      let f: Future<Awaited<R>> | undefined;
      if (ordered) {
        if (window.peek()?.done() !== true) return;
        f = window.shift()!;
      } else {
        f = finished.shift();
        if (f === undefined) return;
        inFlight.delete(f);
      }
      let value: Awaited<R>;
      try {
        value = f.resultNow();
      } catch (err) {
        return subscriber.error(err);
      }
      subscriber.next(value);
    }
  };

  // Submits buffered values while there is room, a chunk at a time.
  const submitMore = (): void => {
    const buffersize = currentWindow();
    while (!subscriber.closed && buffer.length > 0 && active() < buffersize) {
      const want = Math.min(chunksize, buffer.length);
      const room = buffersize - active();
      // A partial chunk waits for more values, and a chunk waits for room, unless nothing of ours is running.
      if (active() > 0 && ((want < chunksize && !isComplete) || room < want)) return;
      const n = Math.min(want, room);
      let futures: Future<Awaited<R>>[];
      try {
        futures =
          n === 1 || !batch
            ? [executor.submit(task, buffer.shift()!)]
            : (executor as unknown as Batching)[kSubmitBatch]<[T], R>(task, takeArgs(buffer, n));
      } catch (err) {
        return subscriber.error(err);
      }
      for (const f of futures) (ordered ? window.push(f) : inFlight.add(f));
      // A synchronous executor's futures are done already: their callbacks run here and ask pump() for another round.
      for (const f of futures) f.addDoneCallback(onDone);
    }
  };

  const pump = (): void => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        emitReady();
        submitMore();
        if (!subscriber.closed && isComplete && buffer.length === 0 && active() === 0) subscriber.complete();
      } while (again && !subscriber.closed);
    } finally {
      pumping = false;
    }
  };

  subscribeLinked(source, subscriber, {
    next: (value) => {
      buffer.push(value);
      pump();
    },
    error: (err) => subscriber.error(err),
    complete: () => {
      isComplete = true;
      pump();
    },
  });
}

/** The next `n` buffered values as one-argument calls. */
function takeArgs<T>(buffer: Fifo<T>, n: number): [T][] {
  const args: [T][] = [];
  while (args.length < n && buffer.length > 0) args.push([buffer.shift()!]);
  return args;
}
