/**
 * The thread pool's engine behind the ThreadPoolExecutor facade: our own
 * FIFO of work items in front of Piscina, so a Future stays `pending`
 * (cancellable) until a worker is actually free, and becomes `running` the
 * moment its message is handed to an idle worker.
 *
 * At most `maxWorkers` messages are in Piscina at once, so Piscina never
 * queues: every `run` goes straight to an idle worker. Interrupt is
 * Piscina's abort (the worker is terminated and replaced).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import Piscina from 'piscina';
import type { Transferable } from 'node:worker_threads';
import { BrokenThreadPool, DataCloneError, WorkerExitError } from '../errors';
import type { Future } from '../Future';
import { decodeError, type EncodedError } from '../internal/errorCodec';
import type { FilledOptions } from './options';
import type { Request, Response, StreamMessage, TaskDescriptor } from './protocol';
import { WorkQueue } from './WorkQueue';

/** One message to a worker: one call, a batch of calls, or a generator run. */
export interface WorkItem {
  /** One per call; for a stream, the one future standing for the whole run. */
  futures: Future<unknown>[];
  request: Request;
  transferList: Transferable[];
  /** For streams: told when the worker dies under the run. */
  onWorkerFailure?: (error: unknown) => void;
}

/** What `ThreadPoolExecutor.stats` reports. */
export interface ThreadPoolStats {
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks handed to a worker and not finished. */
  running: number;
  /** Tasks that finished (with a value or an exception). */
  completed: number;
  /** Live worker threads. */
  workers: number;
  /** Piscina's utilization: the share of time workers spent running tasks, 0 … 1. */
  utilization: number;
}

export class WorkerPool {
  readonly #piscina: Piscina;
  readonly #maxWorkers: number;
  readonly #queue = new WorkQueue<WorkItem>();
  // Messages handed to Piscina and not answered; never above capacity.
  #inFlight = 0;
  // Calls inside those messages (a batch counts each call).
  #runningCalls = 0;
  #completed = 0;
  // Workers that reached maxTasksPerChild and are exiting: they get no more work.
  readonly #retiring = new Set<number>();
  #broken: BrokenThreadPool | undefined;
  // Resolved whenever the pool becomes idle with an empty queue.
  #idleWaiters: Array<() => void> = [];

  constructor(options: FilledOptions, initializer: TaskDescriptor | undefined) {
    this.#maxWorkers = options.maxWorkers;
    this.#piscina = new Piscina({
      filename: workerEntry(),
      minThreads: 0,
      maxThreads: options.maxWorkers,
      idleTimeout: options.idleTimeout,
      concurrentTasksPerWorker: 1,
      resourceLimits: options.resourceLimits,
      workerData: {
        initializer,
        initargs: options.initargs,
        threadNamePrefix: options.threadNamePrefix,
        maxTasksPerChild: options.maxTasksPerChild,
      },
      // Never hand work to a worker that is retiring (maxTasksPerChild).
      loadBalancer: (_task, workers) => {
        for (const w of workers) {
          if (w.currentUsage === 0 && !w.terminating && !this.#retiring.has(w.id)) return w;
        }
        return null;
      },
    });
    // A worker that dies while idle emits 'error' on the pool: without a
    // listener that would crash the process.
    this.#piscina.on('error', (err: unknown) => {
      process.emitWarning(`rxfutures: an idle worker thread failed: ${String((err as Error)?.message ?? err)}`, {
        type: 'RxFuturesWorkerWarning',
      });
    });
  }

  /** The error every submit throws once an initializer failed. */
  get broken(): BrokenThreadPool | undefined {
    return this.#broken;
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  get stats(): ThreadPoolStats {
    let queued = 0;
    for (const item of this.#queue) for (const f of item.futures) if (f.state === 'pending') queued += 1;
    return {
      queued,
      running: this.#runningCalls,
      completed: this.#completed,
      workers: this.#piscina.threads.length,
      utilization: this.#piscina.utilization,
    };
  }

  enqueue(item: WorkItem): void {
    if (this.#broken !== undefined) {
      for (const f of item.futures) f.setException(this.#broken);
      return;
    }
    this.#queue.push(item);
    this.#pump();
  }

  /** Cancels every pending future in the queue (shutdown's cancelFutures). */
  cancelPending(): void {
    for (const item of this.#queue) for (const f of item.futures) f.cancel();
    this.#pump();
  }

  /** Resolves once the queue is empty and no message is in flight. */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Terminates the workers; resolves once they have exited. */
  async destroy(): Promise<void> {
    await this.#piscina.destroy();
  }

  #isIdle(): boolean {
    return this.#inFlight === 0 && this.#queue.length === 0;
  }

  #capacity(): number {
    return this.#maxWorkers - this.#retiring.size;
  }

  // Hands queued items to idle workers until none is idle (p-limit's resumeNext).
  #pump(): void {
    while (this.#inFlight < this.#capacity() && this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      const live = startLive(item);
      if (live !== undefined) this.#run(live);
    }
    if (this.#isIdle() && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #run(item: WorkItem): void {
    const controller = new AbortController();
    // Interrupting any call of a message stops the whole message (one worker trip).
    const interrupt = (): void => controller.abort();
    for (const f of item.futures) f.setInterruptHandler(interrupt);
    this.#inFlight += 1;
    this.#runningCalls += item.futures.length;
    let answer: Promise<Response>;
    try {
      answer = this.#piscina.run(item.request, { transferList: item.transferList as never, signal: controller.signal });
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer
      .then(
        (response) => this.#onResponse(item, response),
        (err: unknown) => this.#onFailure(item, err, controller.signal.aborted),
      )
      .catch((err: unknown) => {
        // A bug of ours, not the task's: report it rather than leak a rejection.
        process.emitWarning(`rxfutures: internal error while delivering a result: ${String(err)}`, { type: 'RxFuturesWarning' });
      })
      .finally(() => {
        this.#inFlight -= 1;
        this.#runningCalls -= item.futures.length;
        this.#pump();
      });
  }

  #onResponse(item: WorkItem, response: Response): void {
    if (response.retire !== undefined) this.#retire(response.retire);
    if (response.initError !== undefined) {
      this.#breakPool(response.initError);
      for (const f of item.futures) if (!f.done()) f.setException(this.#broken);
      return;
    }
    item.futures.forEach((f, i) => {
      const outcome = response.outcomes[i];
      // An interrupted future is already cancelled: what the task said after that is dropped.
      if (f.done() || outcome === undefined) return;
      this.#completed += 1;
      if (outcome.ok) f.setResult(outcome.value);
      else f.setException(decodeTaskError(outcome.error));
    });
  }

  #onFailure(item: WorkItem, err: unknown, aborted: boolean): void {
    for (const f of item.futures) {
      if (f.done()) continue;
      if (aborted) {
        // Another call of the same message was interrupted: this one went down with the worker.
        f.cancel({ interrupt: true });
      } else {
        f.setException(workerFailure(err));
      }
    }
    if (!aborted) item.onWorkerFailure?.(workerFailure(err));
  }

  #retire(threadId: number): void {
    const worker = this.#piscina.threads.find((w) => w.threadId === threadId);
    if (worker === undefined) return;
    this.#retiring.add(threadId);
    worker.once('exit', () => {
      this.#retiring.delete(threadId);
      this.#pump();
    });
    void worker.terminate();
  }

  #breakPool(initError: EncodedError): void {
    if (this.#broken !== undefined) return;
    const cause = decodeError(initError);
    this.#broken = new BrokenThreadPool(
      `a thread initializer failed, the thread pool is not usable anymore: ${String((cause as Error)?.message ?? cause)}`,
      { cause },
    );
    for (const item of this.#queue.drain()) {
      for (const f of item.futures) if (!f.done()) f.setException(this.#broken);
    }
  }
}

/** Marks an item's futures running, dropping cancelled calls; undefined if none is left. */
function startLive(item: WorkItem): WorkItem | undefined {
  const { batch } = item.request;
  if (batch === undefined) {
    return item.futures[0].setRunningOrNotifyCancel() ? item : undefined;
  }
  const futures: Future<unknown>[] = [];
  const calls: unknown[][] = [];
  item.futures.forEach((f, i) => {
    if (f.setRunningOrNotifyCancel()) {
      futures.push(f);
      calls.push(batch[i]);
    }
  });
  if (futures.length === 0) return undefined;
  if (futures.length === item.futures.length) return item;
  return { ...item, futures, request: { ...item.request, batch: calls } };
}

/** A task's own exception, rebuilt; our clone check's report becomes our DataCloneError. */
function decodeTaskError(encoded: EncodedError): unknown {
  const error = decodeError(encoded);
  if (encoded.kind === 'error' && encoded.ctor === 'Error' && encoded.name === 'DataCloneError' && error instanceof Error) {
    return new DataCloneError(error.message, { cause: error });
  }
  return error;
}

/** Why a Piscina run was rejected without an abort: the worker died (or the message could not be sent). */
function workerFailure(err: unknown): Error {
  const message = String((err as Error)?.message ?? err);
  if ((err as Error)?.name === 'DataCloneError') {
    return new DataCloneError(`the task's arguments cannot be cloned to a worker: ${message}`, { cause: err });
  }
  return new WorkerExitError(`the worker running this task exited: ${message}`, { cause: err });
}

/**
 * The worker entry is always compiled JavaScript: next to this file in the
 * build, or in dist/ when this file runs from source under ts-jest.
 */
function workerEntry(): string {
  const beside = path.join(__dirname, 'worker.js');
  if (existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '../../dist/cjs/threadPool/worker.js');
  if (existsSync(built)) return built;
  throw new Error(`rxfutures: the worker entry was not found at ${beside}; run the build (npm run build) first`);
}

export type { StreamMessage };
