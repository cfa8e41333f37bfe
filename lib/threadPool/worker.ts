/**
 * The thread pool's worker entry (Piscina's `filename`). Runs the
 * initializer once before the first task, then each request's call(s), and
 * answers with encoded outcomes: a task's exception is data here, never a
 * Piscina task failure, so a rejection on the pool side always means the
 * worker itself died.
 */
import { threadId, workerData } from 'node:worker_threads';
import type PiscinaType from 'piscina';
import type * as CloneCheck from '../internal/cloneCheck';
import type * as ErrorCodec from '../internal/errorCodec';
import type { EncodedError } from '../internal/errorCodec';
import type * as FitEncodedError from '../internal/fitEncodedError';
import { loadTask, loadedTask, type Callable } from '../internal/loadTask';
import type * as PackValue from './packValue';
import type * as ResultFlusherModule from './ResultFlusher';
import { installSafeAnswer } from './safeAnswer';
import type * as SharedOutcome from './sharedOutcome';
import { invoke, WorkerCall } from './workerCall';
import { hasLeftoverWork, keepEventLoopRunning, recordBaseline, trackAsyncWaits } from './leftoverWork';
import { CallState, kCompactArgs, type CompactCall, type Outcome, type Request, type Response, type TaskDescriptor, type WorkerSettings } from './protocol';

// What a first plain call (a module task returning a primitive) does not need is loaded on first use:
// a worker's start-up compiles every module its entry requires, and that is most of a cold start's
// extra cost over raw Piscina (issue #15). Piscina itself (only for Piscina.move), the error codec
// (a task that throws), the clone check and packing (a result that is an object), the partial
// flushes and shared outcome cells (coalesced batches).
const lazy = <T>(load: () => T): (() => T) => {
  let loaded: T | undefined;
  return () => (loaded ??= load());
};
const piscina = lazy(() => require('piscina') as typeof PiscinaType);
const codec = lazy(() => require('../internal/errorCodec') as typeof ErrorCodec);
const fitter = lazy(() => require('../internal/fitEncodedError') as typeof FitEncodedError);
const cloneCheck = lazy(() => require('../internal/cloneCheck') as typeof CloneCheck);
const packValue = lazy(() => require('./packValue') as typeof PackValue);
const flusherModule = lazy(() => require('./ResultFlusher') as typeof ResultFlusherModule);
const sharedOutcome = lazy(() => require('./sharedOutcome') as typeof SharedOutcome);

// A pool with a budget for exceptions (the queue worker's) cuts them here, before they are posted: a
// task's 100 MiB message would otherwise be cloned to the main thread whole only to be cut there.
const encodeError = (thrown: unknown): EncodedError => {
  const budget = settings.maxErrorBytes;
  return budget === undefined ? codec().encodeError(thrown) : fitter().fitEncodedError(thrown, budget);
};

/**
 * A result structured clone carries as it is — a primitive other than a
 * symbol — needs no check and no packing (and no clone-check module).
 */
function prepareValue(value: unknown, transferList: ArrayBuffer[], what: string): Outcome {
  if (isBarePrimitive(value)) return { ok: true, value };
  return packValue().prepareValue(value, transferList, what);
}

function isBarePrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol');
}

// Read from node:worker_threads, not Piscina.workerData: in a bundle whose Piscina bootstrap is a
// separate copy of Piscina, this copy's Piscina.workerData is never set (docs/bundling.md).
const settings: WorkerSettings = (workerData as WorkerSettings | undefined) ?? {
  initargs: [],
  threadNamePrefix: 'ThreadPoolExecutor',
  maxTasksPerChild: Infinity,
};
(globalThis as Record<symbol, unknown>)[Symbol.for('rxfutures.threadName')] = `${settings.threadNamePrefix}_${threadId}`;

trackAsyncWaits();
// An answer Piscina cannot post fails its calls with DataCloneError, not the worker (safeAnswer.ts).
installSafeAnswer();

// undefined: not run yet; null: succeeded; else: what it threw (sticky: the pool is broken).
let initState: Promise<EncodedError | null> | undefined;
// The initializer has run and succeeded: requests can skip awaiting initState.
let initialized = false;
let completedCalls = 0;

function initialize(): Promise<EncodedError | null> {
  initState ??= (async () => {
    if (settings.initializer === undefined) {
      initialized = true;
      return null;
    }
    try {
      const init = await loadTask(settings.initializer);
      await init(...settings.initargs);
      initialized = true;
      return null;
    } catch (err) {
      return encodeError(err);
    }
  })();
  return initState;
}

/**
 * Piscina calls this for every request. Every call after a task's first takes
 * the synchronous path — no promise unless the task returns one — so the
 * answer goes out as soon as the calls are done: the sooner it goes, the more
 * often the main thread is still awake to take it (waking a sleeping CPU is
 * most of a round trip's cost on a virtual machine).
 */
export default function handle(request: Request | CompactCall): unknown {
  if (Array.isArray(request)) return handleCall(request);
  recordBaseline(request.port === undefined ? 0 : 1);
  if (initialized && request.port === undefined && request.keepAlive === undefined) {
    const fn = loadedTask(request.task);
    if (fn !== undefined) return runCalls(request, fn, undefined);
  }
  return handleFirst(request);
}

/** The first request, a task's first call, a stream or a keep-alive run. */
async function handleFirst(request: Request): Promise<unknown> {
  const initError = await initialize();
  if (initError !== null) return { values: [], initError } satisfies Response;
  if (request.keepAlive) {
    await keepEventLoopRunning();
    return { values: [] } satisfies Response;
  }
  if (request.port !== undefined) {
    const start = performance.now();
    const response = await runStream(request);
    response.elapsed = performance.now() - start;
    return noteLeftovers(response);
  }
  let fn: Callable | undefined;
  let loadError: unknown;
  try {
    fn = await loadTask(request.task);
  } catch (err) {
    loadError = err;
  }
  return runCalls(request, fn, loadError);
}

/** A task this worker was told about, by the pool's number for it (CompactCall). */
interface KnownTask {
  descriptor: TaskDescriptor;
  /** Loaded: calls take the synchronous path. */
  fn: Callable | undefined;
}
const knownTasks = new Map<number, KnownTask>();

/** A single call in its compact form (protocol.ts). */
function handleCall(call: CompactCall): unknown {
  recordBaseline(0);
  const taskId = call[0];
  let known = knownTasks.get(taskId);
  const descriptor = call[2];
  if (known === undefined && descriptor !== undefined) knownTasks.set(taskId, (known = { descriptor, fn: loadedTask(descriptor) }));
  if (known === undefined) {
    // The pool sends a task's descriptor until this worker has answered a message that carried it.
    const error = new Error(`rxfutures internal error: task #${taskId} was never described to this worker`);
    return answerCall({ ok: false, error: encodeError(error) }, performance.now(), call[1], kNoTransfers);
  }
  if (initialized && known.fn !== undefined) return runCall(known.fn, known.descriptor, call, undefined);
  return handleFirstCall(known, call);
}

/** A compact call that has to wait for the initializer or for its task to load. */
async function handleFirstCall(known: KnownTask, call: CompactCall): Promise<unknown> {
  const initError = await initialize();
  if (initError !== null) return { values: [], initError } satisfies Response;
  let loadError: unknown;
  try {
    known.fn ??= await loadTask(known.descriptor);
  } catch (err) {
    loadError = err;
  }
  return runCall(known.fn, known.descriptor, call, loadError);
}

// What a call that transfers nothing lists (prepareValue only pushes for a transfer() result, an object).
const kNoTransfers: ArrayBuffer[] = Object.freeze([]) as unknown as ArrayBuffer[];

/** Runs a compact call; answers synchronously unless the task returns a promise. */
function runCall(fn: Callable | undefined, descriptor: TaskDescriptor, message: CompactCall, loadError: unknown): unknown {
  const slot = message[1];
  const start = performance.now();
  if (fn === undefined) return answerCall({ ok: false, error: encodeError(loadError) }, start, slot, kNoTransfers);
  const { interrupts } = settings;
  const context = interrupts === undefined ? undefined : new WorkerCall(interrupts, slot);
  const transferList: ArrayBuffer[] = [];
  const outcome = call(fn, descriptor, message, kCompactArgs, transferList, context);
  if (outcome instanceof Promise) return outcome.then((settled) => answerCall(settled, start, slot, transferList));
  return answerCall(outcome, start, slot, transferList);
}

/** The answer to a compact call: its bare value when it can be (protocol.ts, CompactCall), else a Response. */
function answerCall(outcome: Outcome, start: number, slot: number, transferList: ArrayBuffer[]): unknown {
  const elapsed = performance.now() - start;
  completedCalls += 1;
  const retire = completedCalls >= settings.maxTasksPerChild;
  const leftovers = hasLeftoverWork();
  const { callTimes } = settings;
  if (outcome.ok && !retire && !leftovers && callTimes !== undefined && isBarePrimitive(outcome.value)) {
    callTimes[slot] = elapsed;
    return outcome.value;
  }
  const response: Response = { values: [outcome.ok ? outcome.value : undefined], elapsed };
  if (!outcome.ok) response.errors = [outcome.error];
  else if (outcome.packed) response.packed = [0];
  if (retire) response.retire = threadId;
  if (leftovers) response.leftovers = threadId;
  return withTransfers(response, transferList);
}

/** Piscina's move() of the response's transfer list, where it can. */
function withTransfers(response: Response, transferList: ArrayBuffer[]): unknown {
  if (transferList.length === 0) return response;
  // A Piscina bootstrap that is another copy of Piscina (a bundle with piscina's worker as an entry
  // of its own) does not see this copy's move() mark and would drop the response's symbol keys:
  // there, the buffers are copied instead of moved.
  const Piscina = piscina();
  if (!Piscina.isWorkerThread) return response;
  return Piscina.move({ [Piscina.transferableSymbol]: transferList, [Piscina.valueSymbol]: response } as never);
}

/**
 * Runs the request's call(s) in order and answers; synchronous calls stay
 * synchronous (no microtask per call in a 512-call batch). `fn` undefined:
 * the task could not be loaded, and every call fails with `loadError`.
 */
function runCalls(request: Request, fn: Callable | undefined, loadError: unknown): unknown {
  const transferList: ArrayBuffer[] = [];
  const { single, control } = request;
  const count = single?.length ?? request.batch?.length ?? 1;
  const argsOf = (i: number): unknown[] => (single !== undefined ? [single[i]] : (request.batch?.[i] ?? request.args ?? []));
  const response: Response = { values: new Array(count) };
  // A batch loads what it may need before its clock starts: loading a module between two calls would
  // look like a long call to the flusher's time slice.
  const shared = control === undefined ? undefined : sharedOutcome();
  const Flusher = control === undefined ? undefined : (packValue(), codec(), flusherModule().ResultFlusher);
  const start = performance.now();
  const cells = shared?.sharedCells(control!);
  // A batch posts its finished results early when it runs long, is interrupted or exits (ResultFlusher.ts).
  const flusher =
    Flusher !== undefined && request.flushId !== undefined ? new Flusher(request.flushId, request.flushEvery ?? 1, control!, response, start) : undefined;
  const record = (i: number, outcome: Outcome): void => {
    if (outcome.ok) {
      response.values[i] = outcome.value;
      if (outcome.packed) (response.packed ??= []).push(i);
    } else (response.errors ??= [])[i] = outcome.error;
    if (control !== undefined) shared!.storeOutcome(control, cells!, i, outcome);
  };
  const finish = (): unknown => {
    if (flusher !== undefined) {
      const flushed = flusher.end();
      if (flushed > 0) response.flushedUpTo = flushed;
    }
    response.elapsed = performance.now() - start;
    completedCalls += count;
    if (completedCalls >= settings.maxTasksPerChild) response.retire = threadId;
    noteLeftovers(response);
    return withTransfers(response, transferList);
  };
  const runFrom = (first: number): unknown => {
    for (let i = first; i < count; i++) {
      // Claim the call; if the pool skipped it first (an interrupt before we got here), move on.
      if (control !== undefined && Atomics.compareExchange(control, i, CallState.Waiting, CallState.Started) !== CallState.Waiting) {
        (response.skipped ??= []).push(i);
        continue;
      }
      flusher?.tick(i);
      const context = control !== undefined ? new WorkerCall(control, i, flusher?.onInterrupt) : interruptWord(request);
      const outcome = fn === undefined ? ({ ok: false, error: encodeError(loadError) } as const) : call(fn, request.task, argsOf(i), 0, transferList, context);
      if (outcome instanceof Promise) {
        return outcome.then((settled) => {
          record(i, settled);
          return runFrom(i + 1);
        });
      }
      record(i, outcome);
    }
    return finish();
  };
  return runFrom(0);
}

/** Tells the pool when this worker must not block while idle (see leftoverWork.ts). */
function noteLeftovers(response: Response): Response {
  if (hasLeftoverWork()) response.leftovers = threadId;
  return response;
}

/**
 * Runs one call, `fn(...args.slice(from))`; a synchronous task's outcome
 * comes back synchronously.
 */
function call(
  fn: Callable,
  descriptor: TaskDescriptor,
  args: readonly unknown[],
  from: number,
  transferList: ArrayBuffer[],
  context: WorkerCall | undefined,
): Outcome | Promise<Outcome> {
  let value: unknown;
  try {
    value = context === undefined ? invoke(fn, args, from) : context.run(fn, args, from);
  } catch (err) {
    context?.end();
    return failure(err, descriptor);
  }
  if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
    return Promise.resolve(value).then(
      (v) => {
        context?.end();
        return prepareValue(v, transferList, 'the result');
      },
      (err: unknown) => {
        context?.end();
        return failure(err, descriptor);
      },
    );
  }
  context?.end();
  return prepareValue(value, transferList, 'the result');
}

function failure(err: unknown, descriptor: TaskDescriptor): Outcome {
  return { ok: false, error: encodeError(explainInline(err, descriptor)) };
}

/** The context of a message's single call (or stream): its word among the pool's interrupt words. */
function interruptWord(request: Request): WorkerCall | undefined {
  const { interrupts } = settings;
  return interrupts === undefined || request.slot === undefined ? undefined : new WorkerCall(interrupts, request.slot);
}


/** A closure over outer variables fails as a ReferenceError in the worker: say why. */
function explainInline(err: unknown, descriptor: TaskDescriptor): unknown {
  if (descriptor.kind === 'inline' && err instanceof ReferenceError && /is not defined/.test(err.message)) {
    err.message +=
      ' (inline tasks are shipped by source and run in a worker thread: they cannot use variables from the enclosing scope; pass values as arguments or use a module task)';
    if (typeof err.stack === 'string') err.stack = `ReferenceError: ${err.message}\n${err.stack.split('\n').slice(1).join('\n')}`;
  }
  return err;
}

async function runStream(request: Request): Promise<Response> {
  const context = interruptWord(request);
  if (context === undefined) return runStreamIn(request);
  try {
    return await context.runStream(() => runStreamIn(request));
  } finally {
    context.end();
  }
}

async function runStreamIn(request: Request): Promise<Response> {
  const port = request.port!;
  try {
    const fn = await loadTask(request.task);
    const iterable = (await fn(...(request.args ?? []))) as Iterable<unknown> | AsyncIterable<unknown> | null;
    if (iterable === null || typeof iterable !== 'object' || !(Symbol.asyncIterator in iterable || Symbol.iterator in iterable)) {
      throw new TypeError('a stream task must be a generator function (or return an iterable / async iterable)');
    }
    for await (const item of iterable as AsyncIterable<unknown>) {
      const transferList: ArrayBuffer[] = [];
      const outcome = prepareValue(item, transferList, 'a yielded value');
      if (!outcome.ok) {
        port.postMessage({ error: outcome.error });
        return { values: [undefined], errors: [outcome.error] };
      }
      try {
        port.postMessage(outcome.packed ? { packed: outcome.value } : { value: outcome.value }, transferList);
      } catch (err) {
        // Passed the check but cannot be posted (a getter that throws on a later read): this value's error, not the task's.
        const { error } = packValue().cloneFailure('a yielded value', cloneCheck().describeThrown(err));
        port.postMessage({ error });
        return { values: [undefined], errors: [error] };
      }
    }
    port.postMessage({ end: true });
    return { values: [undefined] };
  } catch (err) {
    const error = encodeError(explainInline(err, request.task));
    port.postMessage({ error });
    return { values: [undefined], errors: [error] };
  } finally {
    port.close();
  }
}
