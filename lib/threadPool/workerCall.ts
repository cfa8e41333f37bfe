/**
 * Worker side of cooperative interrupt: the context of one task call
 * (what `currentAbortSignal()` and `throwIfInterrupted()` read), tied to
 * the shared memory word the pool sets when it interrupts the call.
 *
 * - `isInterrupted()` reads the word: a synchronous loop sees the interrupt
 *   without the event loop turning.
 * - `signal` is made on first use (an AbortController costs microseconds;
 *   most calls never ask) and is aborted as soon as anyone sees the word set.
 * - While a call is awaiting, an `Atomics.waitAsync` on the word wakes when
 *   the pool notifies it, and aborts the signal: `fetch`, timers and
 *   `events.once` given the signal stop, `finally` blocks run.
 *
 * Sync calls run with the context in a global slot, async ones in
 * AsyncLocalStorage (see runSyncCall for why not always the latter): measured
 * with callgrind over 2,000 sync round trips, 399k instructions per round
 * trip before cooperative interrupt, 419k with this design, 460k with ALS on
 * every call.
 */
import type * as Errors from '../errors';
import { runInCall, runSyncCall, type CallContext } from '../internal/callContext';
import type { Callable } from '../internal/loadTask';
import { CallState } from './protocol';

// Captured before leftoverWork.ts wraps Atomics.waitAsync: the watch is ours, not work a task left behind.
const waitAsync = Atomics.waitAsync.bind(Atomics) as (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

// Tasks seen to return a promise: their later calls run in AsyncLocalStorage.
const asyncTasks = new WeakSet<object>();

export class WorkerCall implements CallContext {
  #controller: AbortController | undefined;
  #ended = false;
  // An Atomics.waitAsync on the word is pending (only async calls and streams have one).
  #watched = false;
  #interruptSeen = false;

  /**
   * @param words - the shared cells; `index` is this call's (interrupted when it holds CallState.Interrupted)
   * @param onInterrupt - told once when the interrupt is first seen (a batch flushes its finished results: ResultFlusher.ts)
   */
  constructor(
    private readonly words: Int32Array,
    private readonly index: number,
    private readonly onInterrupt?: () => void,
  ) {}

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    this.isInterrupted();
    return this.#controller.signal;
  }

  isInterrupted(): boolean {
    if (Atomics.load(this.words, this.index) !== CallState.Interrupted) return false;
    this.#seen();
    return true;
  }

  /** Runs `fn(...args.slice(from))` as this call; if it returns a promise, watches the word until the call ends. */
  run(fn: Callable, args: readonly unknown[], from: number): unknown {
    const result = asyncTasks.has(fn) || isAsyncFunction(fn) ? runInCall(this, invoke, fn, args, from) : runSyncCall(this, invoke, fn, args, from);
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      asyncTasks.add(fn);
      this.#watch();
    }
    return result;
  }

  /** Runs a whole stream (a generator's every step) as this call. */
  runStream<T>(fn: () => Promise<T>): Promise<T> {
    this.#watch();
    return runInCall(this, fn);
  }

  /** The call has ended: release the watch. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#watched) Atomics.notify(this.words, this.index);
  }

  #watch(): void {
    const current = Atomics.load(this.words, this.index);
    if (current === CallState.Interrupted) {
      this.#seen();
      return;
    }
    this.#watched = true;
    const wait = waitAsync(this.words, this.index, current);
    // A wake-up that is no interrupt (the word's previous user ending its own call) watches on.
    const check = (): void => {
      if (!this.#ended && !this.isInterrupted()) this.#watch();
    };
    if (wait.async) void wait.value.then(check);
    else check();
  }

  // The interrupt is seen: flush the message's finished results first (should this call ignore it, the
  // worker is terminated), then abort the signal.
  #seen(): void {
    if (!this.#interruptSeen) {
      this.#interruptSeen = true;
      this.onInterrupt?.();
    }
    this.#abort();
  }

  #abort(): void {
    const controller = this.#controller;
    if (controller === undefined || controller.signal.aborted) return;
    // Required here, not at the top: most workers never see an interrupt, and errors.ts is not on a plain call's way.
    const { CancelledError } = require('../errors') as typeof Errors;
    controller.abort(new CancelledError('the task was interrupted'));
  }
}

/**
 * `fn(...args.slice(from))` without the slice for up to two arguments: a
 * compact call's arguments follow its header in the same array (protocol.ts).
 */
export function invoke(fn: Callable, args: readonly unknown[], from: number): unknown {
  switch (args.length - from) {
    case 0:
      return fn();
    case 1:
      return fn(args[from]);
    case 2:
      return fn(args[from], args[from + 1]);
    default:
      return fn(...(from === 0 ? args : args.slice(from)));
  }
}

function isAsyncFunction(fn: object): boolean {
  const tag = (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return tag === 'AsyncFunction' || tag === 'AsyncGeneratorFunction';
}
