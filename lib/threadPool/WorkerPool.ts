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
import Piscina from 'piscina';
import { BrokenThreadPool, DataCloneError, WorkerExitError } from '../errors';
import { decodeError } from '../internal/errorCodec';
import { Fifo } from '../internal/Fifo';
import type { Future } from '../Future';
import type { FilledOptions } from './options';
import { piscinaWorkerHint } from '../internal/entryFile';
import { deliverCall } from './deliverCall';
import { workerFailure } from './outcomes';
import { FlushInbox } from './FlushInbox';
import { kFlushSliceMs, newBatchControl, type CompactCall, type Request, type Response, type StreamMessage, type TaskDescriptor } from './protocol';
import { InterruptSignal } from './InterruptSignal';
import { KeepAlives, warnIdleFailure } from './keepAlive';
import { salvageBatch } from './salvageBatch';
import { InterruptWords } from './InterruptWords';
import { afterGrace, interruptCall, startLive, type WorkItem } from './workItem';

export type { WorkItem };

// Coalescing: calls of a task that is known to be tiny are sent to a worker
// together, up to this much expected work per message (ms) …
const kBatchBudgetMs = 2;
// … and at most this many calls per message.
const kMaxBatch = 512;
// Weight of the newest sample in a task's moving average of call time.
const kEwmaWeight = 0.2;

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

// Piscina shows a task's queue options (this symbol's property of what we run) to the load balancer:
// how a compact call learns which worker it goes to (symbol keys are not cloned).
const kQueueOptions: typeof Piscina.queueOptionsSymbol = Piscina.queueOptionsSymbol;

/**
 * A single call sent in its compact form (protocol.ts, CompactCall): the
 * message, and the worker the load balancer gave it, so the descriptor goes
 * along only until that worker knows the task.
 */
class SentCall {
  /** The worker the load balancer gave the message to. */
  threadId: number | undefined = undefined;

  constructor(
    readonly item: WorkItem,
    readonly signal: InterruptSignal,
    readonly wire: CompactCall,
    readonly taskId: number,
  ) {}
}

/** The Piscina wrapper behind ThreadPoolExecutor's facade. @internal */
export class WorkerPool {
  readonly #piscina: Piscina;
  readonly #maxWorkers: number;
  readonly #queue = new Fifo<WorkItem>();
  // Messages handed to Piscina and not answered; never above capacity.
  #inFlight = 0;
  // Calls inside those messages (a batch counts each call).
  #runningCalls = 0;
  #completed = 0;
  // Workers that reached maxTasksPerChild and are exiting: they get no more work.
  readonly #retiring = new Set<number>();
  #broken: BrokenThreadPool | undefined;
  // Messages handed to Piscina and not answered, with the signal that aborts each.
  readonly #running = new Set<{ item: WorkItem; signal: InterruptSignal }>();
  // Per task: a moving average of one call's time in the worker (ms).
  readonly #callTime = new WeakMap<TaskDescriptor, number>();
  // Resolved whenever the pool becomes idle with an empty queue.
  #idleWaiters: Array<() => void> = [];
  readonly #keepAlives = new KeepAlives(
    (request) => this.#piscina.run(request),
    (threadId) => this.#destroyed || this.#broken !== undefined || this.#retiring.has(threadId),
  );
  #destroyed = false;
  // Batches in flight by flush id, and the results their workers post early (FlushInbox.ts).
  readonly #flushes = new FlushInbox(() => {
    this.#completed += 1;
  });
  // The interrupt words of single calls and streams (InterruptWords.ts), and how long an interrupted call may take to end.
  readonly #words: InterruptWords;
  readonly #graceMs: number;
  // The number each task goes by in compact calls, and per worker thread, the tasks it has been told
  // about (it answered a message that carried the descriptor).
  readonly #taskIds = new WeakMap<TaskDescriptor, number>();
  #nextTaskId = 1;
  readonly #taught = new Map<number, Set<number>>();
  // For utilization: call time the workers reported, since the pool was made.
  #busyMs = 0;
  readonly #createdAt = performance.now();

  constructor(options: FilledOptions, initializer: TaskDescriptor | undefined) {
    this.#maxWorkers = options.maxWorkers;
    this.#words = new InterruptWords(options.maxWorkers);
    this.#graceMs = options.interruptGraceMs;
    this.#piscina = new Piscina({
      filename: options.workerFilename,
      minThreads: 0,
      maxThreads: options.maxWorkers,
      idleTimeout: options.idleTimeout,
      // One task at a time; the second slot is for a keep-alive run beside it (keepAlive.ts).
      concurrentTasksPerWorker: 2,
      // An idle worker waits blocked in Atomics.wait: the quickest wake-up for the next task. A worker
      // whose tasks left work on its event loop is kept out of that wait by a keep-alive run.
      atomics: 'sync',
      // We time the calls in the worker (utilization, tiny-task detection); keep-alive runs are not work.
      recordTiming: false,
      resourceLimits: options.resourceLimits,
      workerData: {
        initializer,
        initargs: options.initargs,
        threadNamePrefix: options.threadNamePrefix,
        maxTasksPerChild: options.maxTasksPerChild,
        interrupts: this.#words.words,
        callTimes: this.#words.times,
        maxErrorBytes: options.maxErrorBytes,
      },
      loadBalancer: (task, workers) => {
        const keepAlive = this.#keepAlives.place(task, workers);
        if (keepAlive !== undefined) return keepAlive;
        for (const w of workers) {
          // Never hand work to a worker that is retiring (maxTasksPerChild). Piscina counts a worker
          // running a task as fully used, and one running only its keep-alive run as 1.
          if (w.terminating || this.#retiring.has(w.id)) continue;
          if (w.currentUsage === 0 || (w.currentUsage === 1 && this.#keepAlives.has(w.id))) {
            this.#address(task, w.id);
            return w;
          }
        }
        return null;
      },
    });
    // A gone worker's taught tasks are forgotten (after Piscina has dropped it from its threads).
    this.#piscina.on('workerDestroy', () => queueMicrotask(() => this.#forgetGoneWorkers()));
    // What workers post on their parentPort: partial flushes of finished results (ResultFlusher.ts).
    this.#piscina.on('message', (message: unknown) => this.#flushes.receive(message));
    // A worker that dies while idle emits 'error' on the pool: without a
    // listener that would crash the process.
    this.#piscina.on('error', (err: unknown) => {
      const message = String((err as Error)?.message ?? err);
      // The answer of a call we interrupted just as it finished: Piscina forgot the task when it was
      // aborted and calls its late answer unexpected. Nothing failed; the future is rightly cancelled.
      if (message.startsWith('Unexpected message from Worker')) return;
      // Messages handed to Piscina but no worker left: a worker failed to start (Piscina then stops
      // spawning), and those messages would wait forever. Python calls this a broken pool.
      if (this.#inFlight > 0 && this.#piscina.threads.length === 0) {
        this.#breakPool(new BrokenThreadPool(`a worker thread failed to start, the thread pool is not usable anymore: ${message}${piscinaWorkerHint(err)}`, { cause: err }));
        return;
      }
      warnIdleFailure(message);
    });
  }

  /**
   * How many calls of `task` keep every worker busy: two messages per worker,
   * each as big as coalescing makes it. Undefined until the task is measured.
   */
  preferredInFlight(task: TaskDescriptor): number | undefined {
    const perMessage = this.messageSize(task);
    return perMessage === undefined ? undefined : 2 * this.#maxWorkers * perMessage;
  }

  /** How many calls of `task` coalescing joins into one message at most; undefined until the task is measured. */
  messageSize(task: TaskDescriptor): number | undefined {
    const callTime = this.#callTime.get(task);
    if (callTime === undefined) return undefined;
    return Math.max(1, Math.min(kMaxBatch, Math.floor(kBatchBudgetMs / Math.max(callTime, 1e-6))));
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
      utilization: this.#utilization(),
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
    this.#destroyed = true;
    await this.#piscina.destroy();
  }

  #utilization(): number {
    const capacityMs = (performance.now() - this.#createdAt) * this.#maxWorkers;
    return capacityMs > 0 ? Math.min(1, this.#busyMs / capacityMs) : 0;
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
      const live = startLive(this.#queue.shift()!);
      if (live !== undefined) this.#run(this.#coalesce(live));
    }
    if (this.#isIdle() && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Joins the single calls of the same tiny task waiting behind `item` into
   * one message, so Piscina's per-message cost is paid once per trip rather
   * than once per call. Only calls that would wait anyway are joined, and
   * only as many as keep the message within kBatchBudgetMs and spread the
   * queue over the idle workers; an idle pool sends single calls as they come.
   */
  #coalesce(item: WorkItem): WorkItem {
    const { request } = item;
    if (request.args === undefined || request.port !== undefined || this.#queue.length === 0) return item;
    const callTime = this.#callTime.get(request.task);
    if (callTime === undefined) return item;
    const freeSlots = Math.max(1, this.#capacity() - this.#inFlight);
    const limit = Math.min(
      kMaxBatch,
      Math.floor(kBatchBudgetMs / Math.max(callTime, 1e-6)),
      Math.ceil((this.#queue.length + 1) / freeSlots),
    );
    if (limit < 2) return item;
    const futures = [...item.futures];
    const batch = [request.args];
    const transferList = [...item.transferList];
    while (batch.length < limit) {
      const next = this.#queue.peek();
      if (next === undefined || next.request.task !== request.task || next.request.args === undefined || next.request.port !== undefined) break;
      this.#queue.shift();
      const live = startLive(next);
      if (live === undefined) continue;
      futures.push(live.futures[0]);
      batch.push(live.request.args!);
      transferList.push(...live.transferList);
    }
    if (batch.length === 1) return item;
    return { futures, request: { task: request.task, batch }, transferList, started: true };
  }

  #run(item: WorkItem): void {
    if (item.request.batch === undefined && item.request.port === undefined) {
      const slot = this.#words.acquire();
      if (slot !== undefined) return this.#runCall(item, slot);
      // No free word (cannot happen: there is one per message in flight): the plain form, no cooperative interrupt.
    }
    const controller = new InterruptSignal();
    const { batch } = item.request;
    // What goes to the worker (the flat form of a one-argument batch).
    let wireRequest: Request = item.request;
    const graceMs = this.#graceMs;
    let slot: number | undefined;
    let flushId: number | undefined;
    if (batch === undefined) {
      // A stream (a single call only without a free word, see above).
      slot = item.request.port === undefined ? undefined : this.#words.acquire();
      if (slot !== undefined) item.request.slot = slot;
      const words = this.#words;
      const answered = (): boolean => !this.#running.has(entry);
      const interrupt =
        slot === undefined
          ? (): void => controller.abort()
          : (): void => {
              words.interrupt(slot!);
              afterGrace(graceMs, () => {
                if (!answered()) controller.abort();
              });
            };
      item.futures[0].setInterruptHandler(interrupt);
    } else {
      const control = newBatchControl(batch.length);
      const oneArgument = batch.every((args) => args.length === 1);
      flushId = this.#flushes.open(item.futures, control);
      // The worker reads its clock for a partial flush about 4 times per slice, judging by the measured call time.
      const callTime = this.#callTime.get(item.request.task);
      const flushEvery = callTime === undefined ? 1 : Math.max(1, Math.floor(kFlushSliceMs / (4 * Math.max(callTime, 1e-6))));
      // The pool keeps `batch` (for re-queueing); the worker gets the flat form when it can.
      item = { ...item, request: { ...item.request, control, flushId, flushEvery } };
      wireRequest = oneArgument ? { task: item.request.task, control, flushId, flushEvery, single: batch.map((args) => args[0]) } : item.request;
      // One handler for the whole batch, not a closure per call: it finds the call by its future.
      const { futures } = item;
      const interruptOne = (f: Future<unknown>): void => interruptCall(control, futures.indexOf(f), controller, graceMs);
      for (const f of futures) f.setInterruptHandler(interruptOne);
    }
    const sent = item;
    const entry = { item: sent, signal: controller };
    this.#running.add(entry);
    this.#inFlight += 1;
    this.#runningCalls += item.futures.length;
    let answer: Promise<Response>;
    try {
      answer = this.#piscina.run(wireRequest, { transferList: item.transferList as never, signal: controller as never });
    } catch (err) {
      answer = Promise.reject(unsendableArguments(err));
    }

    const flushes = this.#flushes;
    // One reaction, not a then/catch/finally chain: two promises and two microtasks less per message.
    // `forget`: the flush id to drop when settling without whenFlushed (which drops it itself).
    const settle = (deliver: () => void, forget?: number): void => {
      try {
        deliver();
      } catch (err) {
        failUndelivered(sent.futures, err);
      }
      this.#running.delete(entry);
      if (forget !== undefined) flushes.forget(forget);
      if (slot !== undefined) this.#words.release(slot);
      this.#inFlight -= 1;
      this.#runningCalls -= sent.futures.length;
      this.#pump();
    };
    // A batch settles once the partial flushes its worker posted are read (FlushInbox.ts).
    answer.then(
      // An answer without flushedUpTo had no flush before it (the common case: no wait, no shared read).
      (response) =>
        flushId === undefined || response?.flushedUpTo === undefined
          ? settle(() => this.#onResponse(sent, response), flushId)
          : flushes.whenFlushed(flushId, () => settle(() => this.#onResponse(sent, response))),
      (err: unknown) => flushes.whenFlushed(flushId, () => settle(() => this.#onFailure(sent, err, controller.aborted))),
    );
  }

  /**
   * One call in the compact form (protocol.ts, CompactCall), in word `slot`:
   * the same bookkeeping as #run's for a single call, with the fewest
   * objects made per call.
   */
  #runCall(item: WorkItem, slot: number): void {
    const { task, args } = item.request;
    let taskId = this.#taskIds.get(task);
    if (taskId === undefined) this.#taskIds.set(task, (taskId = this.#nextTaskId++));
    const wire = [taskId, slot, undefined, ...(args ?? [])] as CompactCall;
    const controller = new InterruptSignal();
    const entry = new SentCall(item, controller, wire, taskId);
    (wire as unknown as Record<symbol, SentCall>)[kQueueOptions] = entry;
    const words = this.#words;
    const graceMs = this.#graceMs;
    item.futures[0].setInterruptHandler(() => {
      words.interrupt(slot);
      afterGrace(graceMs, () => {
        if (this.#running.has(entry)) controller.abort();
      });
    });
    this.#running.add(entry);
    this.#inFlight += 1;
    this.#runningCalls += 1;
    let answer: Promise<unknown>;
    try {
      answer = this.#piscina.run(wire, { transferList: item.transferList as never, signal: controller as never });
    } catch (err) {
      answer = Promise.reject(unsendableArguments(err));
    }
    answer.then(
      (response) => this.#settleCall(entry, slot, response, undefined, false),
      (err: unknown) => this.#settleCall(entry, slot, undefined, err, true),
    );
  }

  // The load balancer gave `task` to worker `threadId`: a compact call carries its task's descriptor
  // unless that worker knows it.
  #address(task: unknown, threadId: number): void {
    const sent = (task as { [kQueueOptions]?: unknown })[kQueueOptions];
    if (!(sent instanceof SentCall)) return;
    sent.threadId = threadId;
    sent.wire[2] = this.#taught.get(threadId)?.has(sent.taskId) ? undefined : sent.item.request.task;
  }

  #forgetGoneWorkers(): void {
    const live = new Set(this.#piscina.threads.map((w) => w.threadId));
    for (const threadId of this.#taught.keys()) if (!live.has(threadId)) this.#taught.delete(threadId);
  }

  #settleCall(entry: SentCall, slot: number, response: unknown, err: unknown, failed: boolean): void {
    const { item } = entry;
    try {
      if (failed) this.#onFailure(item, err, entry.signal.aborted);
      else this.#onCallAnswer(entry, slot, response);
    } catch (error) {
      failUndelivered(item.futures, error);
    }
    this.#running.delete(entry);
    this.#words.release(slot);
    this.#inFlight -= 1;
    this.#runningCalls -= 1;
    this.#pump();
  }

  #onCallAnswer(entry: SentCall, slot: number, response: unknown): void {
    // The worker answered a message that named the task: it knows it from now on.
    const { threadId } = entry;
    if (threadId !== undefined && entry.wire[2] !== undefined) {
      let taught = this.#taught.get(threadId);
      if (taught === undefined) this.#taught.set(threadId, (taught = new Set()));
      taught.add(entry.taskId);
    }
    if (response !== null && typeof response === 'object') {
      this.#onResponse(entry.item, response as Response);
      return;
    }
    // A bare value: the call returned it, and its time is beside its word.
    const elapsed = this.#words.times[slot];
    if (elapsed >= 0) this.#noteCallTime(entry.item.request.task, elapsed, 1);
    const [f] = entry.item.futures;
    // An interrupted future is already cancelled: what the task said after that is dropped.
    if (f.done()) return;
    this.#completed += 1;
    f.setResult(response);
  }

  #noteCallTime(task: TaskDescriptor, elapsed: number, calls: number): void {
    this.#busyMs += elapsed;
    const sample = elapsed / calls;
    const previous = this.#callTime.get(task);
    this.#callTime.set(task, previous === undefined ? sample : previous + kEwmaWeight * (sample - previous));
  }

  #onResponse(item: WorkItem, response: Response): void {
    if (response.retire !== undefined) this.#retire(response.retire);
    else if (response.leftovers !== undefined) this.#keepAlives.start(response.leftovers);
    if (response.initError !== undefined) {
      const cause = decodeError(response.initError);
      this.#breakPool(
        new BrokenThreadPool(`a thread initializer failed, the thread pool is not usable anymore: ${String((cause as Error)?.message ?? cause)}`, {
          cause,
        }),
      );
      for (const f of item.futures) if (!f.done()) f.setException(this.#broken!);
      return;
    }
    const { values, skipped } = response;
    if (response.elapsed !== undefined) {
      if (item.request.port === undefined && values.length > 0) this.#noteCallTime(item.request.task, response.elapsed, values.length);
      else this.#busyMs += response.elapsed;
    }
    const { futures } = item;
    if (skipped !== undefined) this.#requeueSkipped(item, skipped);
    // Calls before flushedUpTo were posted in partial flushes, all read by now (FlushInbox.whenFlushed).
    const flushedUpTo = typeof response.flushedUpTo === 'number' ? response.flushedUpTo : 0;
    for (let i = 0; i < futures.length; i++) {
      const f = futures[i];
      // An interrupted future is already cancelled: what the task said after that is dropped.
      if (f.done() || skipped?.includes(i)) continue;
      this.#completed += 1;
      if (i < flushedUpTo) f.setException(new WorkerExitError('the call finished, but the worker\'s early report of its result was lost'));
      else deliverCall(f, response, i);
    }
  }

  #onFailure(item: WorkItem, err: unknown, aborted: boolean): void {
    this.#keepAlives.noteBlamed(err);
    if (item.request.control === undefined || item.request.batch === undefined) {
      const [f] = item.futures;
      if (!f.done()) {
        if (aborted) f.cancel({ interrupt: true });
        else f.setException(workerFailure(err));
      }
      if (!aborted) item.onWorkerFailure?.(workerFailure(err));
      return;
    }
    // A batch went down with its worker: at most once (salvageBatch.ts) — only calls that never
    // started run again.
    const again = salvageBatch(item, err, aborted);
    if (again !== undefined) this.#queue.unshift(again);
  }

  // Calls the worker skipped without their future being cancelled were taken back by an interrupt
  // of a sibling that then ended after all (interruptCall): they never started, they run now.
  #requeueSkipped(item: WorkItem, skipped: number[]): void {
    const again: WorkItem = { futures: [], request: { task: item.request.task, batch: [] }, transferList: [], started: true };
    for (const i of skipped) {
      const f = item.futures[i];
      if (f.done()) continue;
      again.futures.push(f);
      again.request.batch!.push(item.request.batch![i]);
    }
    if (again.futures.length > 0) this.#queue.unshift(again);
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

  // Fails every queued and in-flight future with `broken`, and makes every later submit throw it.
  #breakPool(broken: BrokenThreadPool): void {
    if (this.#broken !== undefined) return;
    this.#broken = broken;
    for (const item of this.#queue.drain()) {
      for (const f of item.futures) if (!f.done()) f.setException(broken);
    }
    for (const { item, signal } of this.#running) {
      for (const f of item.futures) if (!f.done()) f.setException(broken);
      // Takes the message out of Piscina's queue, so its run settles and the pool can drain.
      signal.abort('the pool is broken');
    }
  }
}

export type { StreamMessage };

/** Posting a message threw: the arguments could not be sent; no worker died. */
function unsendableArguments(err: unknown): DataCloneError {
  return new DataCloneError(`the task's arguments cannot be sent to a worker: ${String((err as Error)?.message ?? err)}`, { cause: err });
}

/**
 * Delivering an answer threw: a bug of ours, not the task's. Report it rather
 * than leak a rejection, and end every future the failed delivery did not reach.
 */
function failUndelivered(futures: readonly Future<unknown>[], err: unknown): void {
  process.emitWarning(`rxfutures: internal error while delivering a result: ${String(err)}`, { type: 'RxFuturesWarning' });
  for (const f of futures) {
    if (!f.done()) f.setException(new DataCloneError(`the worker's answer could not be read: ${String((err as Error)?.message ?? err)}`, { cause: err }));
  }
}
