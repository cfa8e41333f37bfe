/**
 * The entry of every ProcessPoolExecutor child. It reads one message at a
 * time from the parent (fd 3, frames.ts), runs the initializer once before
 * the first, and answers with checked outcomes: a task's exception is data
 * here, so a child that exits is always a death, never a failed task.
 *
 * Every call runs inside `runInCall`, so `currentAbortSignal()` and
 * `throwIfInterrupted()` work in tasks (interruptChannel.ts says how an
 * interrupt reaches a busy child). A value that cannot be sent back (too
 * deep, a throwing getter, a function) fails its own call with
 * `DataCloneError`; the other calls of the message keep theirs.
 *
 * A child never outlives its parent: it exits when the message socket
 * closes, and a watchdog thread kills it if the parent dies while a task
 * keeps the event loop busy.
 */
import { Socket } from 'node:net';
import { runInCall, type CallContext } from '../internal/callContext';
import { findUncloneable } from '../internal/cloneCheck';
import { encodeError } from '../internal/errorCodec';
import { loadedTask, loadTask, type Callable } from '../internal/loadTask';
import { isTransferred } from '../transfer';
import { kChildMarker } from './childMarker';
import { encodeFrame, FrameReader } from './frames';
import { InterruptChannel } from './interruptChannel';
import { isolateOutcomes, sendableFailure } from './isolateOutcomes';
import { tooDeep } from './nestingDepth';
import type { Failure, FromChild, ToChild } from './protocol';
import { watchParent } from './watchParent';

if (process.env[kChildMarker] === undefined) {
  throw new Error('rxfutures: processPool/child.js is the entry of ProcessPoolExecutor children; it is not meant to be run directly');
}
// From here on this process is a proper child: a pool a task makes may fork (see childMarker.ts).
delete process.env[kChildMarker];

const socket = new Socket({ fd: 3, readable: true, writable: true });
socket.on('error', () => process.exit(0));
socket.on('end', () => process.exit(0));
socket.on('close', () => process.exit(0));
watchParent();

// The call running now, so an interrupt that arrives between awaits can abort its signal.
let current: ChildCall | undefined;
const interrupts = new InterruptChannel(4, (id) => {
  if (current !== undefined && current.id === id) current.interrupt();
});

/** One call's context: its signal (made on first use) and the shared-memory interrupt flag. */
class ChildCall implements CallContext {
  readonly id: number;
  #controller: AbortController | undefined;

  constructor(id: number) {
    this.id = id;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (!this.#controller.signal.aborted && interrupts.interrupted(this.id)) this.interrupt();
    return this.#controller.signal;
  }

  isInterrupted(): boolean {
    if (!interrupts.interrupted(this.id)) return false;
    this.interrupt();
    return true;
  }

  interrupt(): void {
    this.#controller ??= new AbortController();
    if (!this.#controller.signal.aborted) this.#controller.abort(new DOMException('the task call was interrupted', 'AbortError'));
  }
}

// Whether the initializer succeeded; requests wait for it.
let initialized: Promise<boolean> = Promise.resolve(true);
// Messages are handled one after the other (the parent sends one at a time anyway).
let chain: Promise<void> = Promise.resolve();

const frames = new FrameReader();
socket.on('data', (chunk: Buffer) => {
  for (const frame of frames.push(chunk)) {
    if (!frame.ok) {
      // Its calls are lost with it: the parent fails the calls this child runs.
      send({ type: 'unreadable', reason: `a message from the parent could not be read: ${frame.error.message}` });
      if (frame.fatal) process.exit(70);
      continue;
    }
    const message = frame.message as ToChild;
    chain = chain.then(() => handle(message)).catch((err: unknown) => {
      // A bug of ours: let the parent see this child die rather than hang.
      process.emitWarning(`rxfutures: the process pool child failed: ${String((err as Error)?.stack ?? err)}`);
      process.exit(70);
    });
  }
});

async function handle(message: ToChild): Promise<void> {
  switch (message.type) {
    case 'settings':
      initialized = initialize(message.initializer, message.initargs);
      await initialized;
      return;
    case 'run':
      if (!(await initialized)) return;
      await run(message);
      return;
    case 'stream':
      if (!(await initialized)) return;
      await runStream(message.id, message);
  }
}

async function initialize(initializer: Extract<ToChild, { type: 'settings' }>['initializer'], initargs: unknown[]): Promise<boolean> {
  if (initializer === undefined) {
    send({ type: 'ready' });
    return true;
  }
  try {
    const init = await loadTask(initializer);
    await init(...initargs);
  } catch (err) {
    send({ type: 'initFailed', error: encodeError(err, 'process') });
    return false;
  }
  send({ type: 'ready' });
  return true;
}

async function run(message: Extract<ToChild, { type: 'run' }>): Promise<void> {
  const { calls } = message;
  const values: unknown[] = new Array(calls.length);
  let failures: (Failure | undefined)[] | undefined;
  let fn = loadedTask(message.task);
  let loadError: unknown;
  if (fn === undefined) {
    try {
      fn = await loadTask(message.task);
    } catch (err) {
      loadError = err;
    }
  }
  const started = performance.now();
  for (let i = 0; i < calls.length; i++) {
    const id = message.id + i;
    if (!interrupts.start(id)) {
      // Frozen: the parent is about to kill this child and runs the calls not started elsewhere.
      if (interrupts.frozen) return;
      // Interrupted before it started: its future is cancelled already.
      send({ type: 'ended', id });
      continue;
    }
    let outcome = fn === undefined ? failureOf(loadError) : call(fn, id, calls[i]);
    if (outcome instanceof Promise) outcome = await outcome;
    if ('value' in outcome) values[i] = outcome.value;
    else (failures ??= [])[i] = outcome;
    if (interrupts.interrupted(id)) send({ type: 'ended', id });
  }
  const elapsed = performance.now() - started;
  send({ type: 'done', id: message.id, values, failures, elapsed });
}

/**
 * One call, inside its context: its value (checked) or how it failed. A
 * call that returns a plain value is answered without a promise: awaiting
 * each of 512 tiny calls of a message cost more than the calls (issue #15).
 */
function call(fn: Callable, id: number, args: unknown[]): { value: unknown } | Failure | Promise<{ value: unknown } | Failure> {
  const context = new ChildCall(id);
  current = context;
  let value: unknown;
  try {
    value = runInCall(context, () => fn(...args));
    if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') return settled(value as PromiseLike<unknown>);
  } catch (err) {
    current = undefined;
    return failureOf(err);
  }
  current = undefined;
  return checked(value, 'the result');
}

async function settled(pending: PromiseLike<unknown>): Promise<{ value: unknown } | Failure> {
  try {
    return checked(await pending, 'the result');
  } catch (err) {
    return failureOf(err);
  } finally {
    current = undefined;
  }
}

/** `transfer()` markers are unwrapped (a process can only copy); what cannot be sent back is named. */
function checked(value: unknown, what: string): { value: unknown } | Failure {
  try {
    const plain = isTransferred(value) ? value.value : value;
    if (plain === null || typeof plain !== 'object') {
      if (typeof plain === 'function' || typeof plain === 'symbol') return { uncloneable: `${what} cannot be cloned to the parent process: it is a ${typeof plain}` };
      return { value: plain };
    }
    const bad = tooDeep(plain, what) ?? findUncloneable(plain, 'result', undefined, 'process');
    if (bad !== undefined) return { uncloneable: `${what} cannot be cloned to the parent process: ${bad}` };
    return { value: plain };
  } catch (err) {
    // A getter or a Proxy trap threw while we looked.
    return { uncloneable: `${what} cannot be cloned to the parent process: reading it threw ${describeError(err)}` };
  }
}

/**
 * A task's exception, encoded for a process (a SharedArrayBuffer in a cause
 * or a property is replaced by a description, so the exception still
 * arrives); one too deep to send is named instead. Never throws.
 */
function failureOf(err: unknown): Failure {
  const error = encodeError(err, 'process');
  try {
    const bad = tooDeep(error, "the task's exception");
    if (bad !== undefined) return { uncloneable: bad };
  } catch (readErr) {
    return { uncloneable: `the task's exception cannot be cloned to the parent process: reading it threw ${describeError(readErr)}` };
  }
  return { error };
}

async function runStream(id: number, message: Extract<ToChild, { type: 'stream' }>): Promise<void> {
  if (!interrupts.start(id)) {
    if (!interrupts.frozen) send({ type: 'ended', id });
    return;
  }
  const context = new ChildCall(id);
  current = context;
  let failure: Failure | undefined;
  try {
    await runInCall(context, async () => {
      const fn = loadedTask(message.task) ?? (await loadTask(message.task));
      const iterable = (await fn(...message.args)) as Iterable<unknown> | AsyncIterable<unknown> | null;
      if (iterable === null || typeof iterable !== 'object' || !(Symbol.asyncIterator in iterable || Symbol.iterator in iterable)) {
        throw new TypeError('a stream task must be a generator function (or return an iterable / async iterable)');
      }
      for await (const item of iterable as AsyncIterable<unknown>) {
        // Interrupted (the consumer left): `break` runs the generator's finally blocks.
        if (interrupts.interrupted(id)) break;
        const outcome = checked(item, 'a yielded value');
        if (!('value' in outcome)) {
          failure = outcome;
          break;
        }
        const sent = send({ type: 'yield', id, value: outcome.value });
        if (!sent.sent) {
          failure = { uncloneable: `a yielded value cannot be cloned to the parent process: ${sent.problem}` };
          break;
        }
        // Backpressure: let the socket drain before the generator makes more.
        if (socket.writableNeedDrain) await new Promise((resolve) => socket.once('drain', resolve));
      }
    });
  } catch (err) {
    failure = failureOf(err);
  } finally {
    current = undefined;
  }
  if (interrupts.interrupted(id)) send({ type: 'ended', id });
  send({ type: 'end', id, failure });
}

/**
 * Writes a message. One our checks let through but the serializer refuses
 * becomes a failure of its own call(s) only: a `done` is sent again with
 * each outcome checked alone (isolateOutcomes.ts), an `end` or
 * `initFailed` with the exception's unsendable parts described. Never
 * throws, and every call of a `done` or an `end` is answered: the last
 * resort is a message of strings only, which always serializes.
 */
function send(message: FromChild): { sent: true } | { sent: false; problem: string } {
  try {
    socket.write(encodeFrame(message));
    return { sent: true };
  } catch (err) {
    const problem = describeError(err);
    switch (message.type) {
      case 'done': {
        const calls = message.values.length;
        return resend(() => ({ ...message, ...isolateOutcomes(message.values, message.failures) }), () => ({
          ...message,
          values: new Array(calls),
          failures: Array.from({ length: calls }, () => ({ uncloneable: `the answer cannot be sent to the parent process: ${problem}` })),
        }));
      }
      case 'end':
        return resend(
          () => ({ ...message, failure: message.failure === undefined ? undefined : sendableFailure(message.failure) }),
          () => ({ type: 'end', id: message.id, failure: { uncloneable: `the stream's end cannot be sent to the parent process: ${problem}` } }),
        );
      case 'initFailed': {
        const fallback = encodeError(new Error(`the initializer failed, and its exception cannot be sent: ${problem}`));
        return resend(
          () => {
            const sendable = sendableFailure({ error: message.error });
            return { type: 'initFailed', error: 'error' in sendable ? sendable.error : fallback };
          },
          () => ({ type: 'initFailed', error: fallback }),
        );
      }
      default:
        return { sent: false, problem };
    }
  }
}

/** Sends `repaired()`, or else `lastResort()` (strings only); never throws. */
function resend(repaired: () => FromChild, lastResort: () => FromChild): { sent: true } | { sent: false; problem: string } {
  try {
    socket.write(encodeFrame(repaired()));
    return { sent: true };
  } catch {
    try {
      socket.write(encodeFrame(lastResort()));
      return { sent: true };
    } catch {
      // Cannot happen (strings only); if it did, the parent sees this child's calls unanswered and it dies.
      process.exit(70);
    }
  }
}

function describeError(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return 'an unreadable exception';
  }
}
