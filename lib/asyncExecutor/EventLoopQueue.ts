/**
 * AsyncExecutor's engine, p-limit's algorithm with Futures: a FIFO of work
 * and a count of running calls. A call takes a slot when it starts and gives
 * it back when it settles — also after an interrupt, since a task that
 * ignores its AbortSignal is still running.
 */
import { CancelledError } from '../errors';
import type { Future } from '../Future';
import { Fifo } from '../internal/Fifo';
import { runInCall, signalContext } from '../internal/callContext';

/** One queued call. */
export interface Work {
  future: Future<unknown>;
  /** Starts the call inside the task's AbortSignal context; a returned thenable holds the slot until it settles. */
  call(signal: AbortSignal): unknown;
  /** The call settles the future itself (a stream ends with its iteration, not with `call`). */
  settlesItself?: boolean;
}

export class EventLoopQueue {
  readonly #maxWorkers: number;
  readonly #queue = new Fifo<Work>();
  // Calls started and not settled.
  #active = 0;
  // A pump is scheduled (submit never runs a task inside the caller's stack).
  #scheduled = false;
  #idleWaiters: Array<() => void> = [];

  constructor(maxWorkers: number) {
    this.#maxWorkers = maxWorkers;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  enqueue(work: Work): void {
    this.#queue.push(work);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#pump();
      });
    }
  }

  /** Cancels every pending future in the queue (shutdown's cancelFutures). */
  cancelPending(): void {
    for (const work of this.#queue) work.future.cancel();
    this.#pump();
  }

  /** Resolves once no call is queued or running. */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.#active === 0 && this.#queue.length === 0;
  }

  #pump(): void {
    while (this.#active < this.#maxWorkers && this.#queue.length > 0) {
      const work = this.#queue.shift()!;
      if (work.future.setRunningOrNotifyCancel()) this.#start(work);
    }
    if (this.#idleWaiters.length > 0 && this.#isIdle()) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #start(work: Work): void {
    const { future } = work;
    const controller = new AbortController();
    future.setInterruptHandler(() => controller.abort(new CancelledError('the task was interrupted')));
    this.#active += 1;
    const byCall = work.settlesItself !== true;
    const onValue = (value: unknown): void => {
      if (byCall && !future.done()) future.setResult(value);
    };
    const onError = (error: unknown): void => {
      if (byCall && !future.done()) future.setException(error);
    };
    let value: unknown;
    try {
      value = runInCall(signalContext(controller.signal), () => work.call(controller.signal));
    } catch (error) {
      onError(error);
      this.#active -= 1;
      return;
    }
    if (!isThenable(value)) {
      onValue(value);
      this.#active -= 1;
      return;
    }
    Promise.resolve(value)
      .then(onValue, onError)
      .finally(() => {
        this.#active -= 1;
        this.#pump();
      });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
