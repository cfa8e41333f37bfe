/**
 * The entry of every ProcessPoolExecutor child (`child_process.fork`). It
 * takes one job at a time from the parent, runs the initializer once before
 * the first, and answers with encoded outcomes: a task's exception is data
 * here, so a child that exits is always a death, never a failed task.
 *
 * A child never outlives its parent: it exits when the IPC channel closes,
 * and a watchdog thread kills it if the parent dies while a task keeps the
 * event loop busy.
 */
import { findUncloneable } from '../internal/cloneCheck';
import { encodeError, type EncodedError } from '../internal/errorCodec';
import { loadTask } from '../internal/loadTask';
import { isTransferred } from '../transfer';
import type { Failure, FromChild, ToChild } from './protocol';
import { watchParent } from './watchParent';

if (typeof process.send !== 'function') {
  throw new Error('rxfutures: rxfutures-process-worker.js (processPool/child.js) is the entry of ProcessPoolExecutor children; it is not meant to be run directly');
}
process.on('disconnect', () => process.exit(0));
watchParent();

// Whether the initializer succeeded; requests wait for it.
let initialized: Promise<boolean> = Promise.resolve(true);
// Messages are handled one after the other (the parent sends one job at a time anyway).
let chain: Promise<void> = Promise.resolve();

process.on('message', (message: ToChild) => {
  chain = chain.then(() => handle(message)).catch((err: unknown) => {
    // A bug of ours: let the parent see this child die rather than hang.
    process.emitWarning(`rxfutures: the process pool child failed: ${String((err as Error)?.stack ?? err)}`);
    process.exit(70);
  });
});

async function handle(message: ToChild): Promise<void> {
  switch (message.type) {
    case 'settings':
      initialized = initialize(message.initializer, message.initargs);
      await initialized;
      return;
    case 'run': {
      if (!(await initialized)) return;
      const values: unknown[] = new Array(message.calls.length);
      let failures: (Failure | undefined)[] | undefined;
      let fn: ((...args: unknown[]) => unknown) | undefined;
      let loadError: unknown;
      try {
        fn = await loadTask(message.task);
      } catch (err) {
        loadError = err;
      }
      for (let i = 0; i < message.calls.length; i++) {
        const outcome = fn === undefined ? { error: encodeError(loadError) } : await call(fn, message.calls[i]);
        if ('value' in outcome) values[i] = outcome.value;
        else (failures ??= [])[i] = outcome;
      }
      await send({ type: 'done', id: message.id, values, failures });
      return;
    }
    case 'stream':
      if (!(await initialized)) return;
      await runStream(message.id, message);
  }
}

async function initialize(initializer: Extract<ToChild, { type: 'settings' }>['initializer'], initargs: unknown[]): Promise<boolean> {
  if (initializer === undefined) {
    await send({ type: 'ready' });
    return true;
  }
  try {
    const init = await loadTask(initializer);
    await init(...initargs);
  } catch (err) {
    await send({ type: 'initFailed', error: encodeError(err) });
    return false;
  }
  await send({ type: 'ready' });
  return true;
}

/** One call: its value (checked for clonability) or how it failed. */
async function call(fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<{ value: unknown } | Failure> {
  try {
    return checked(await fn(...args), 'the result');
  } catch (err) {
    return { error: encodeError(err) };
  }
}

/** `transfer()` markers are unwrapped (a process can only copy); what cannot be cloned is named. */
function checked(value: unknown, what: string): { value: unknown } | Failure {
  const plain = isTransferred(value) ? value.value : value;
  const bad = findUncloneable(plain, 'result');
  if (bad !== undefined) return { uncloneable: `${what} cannot be cloned to the parent process: ${bad}` };
  return { value: plain };
}

async function runStream(id: number, message: Extract<ToChild, { type: 'stream' }>): Promise<void> {
  try {
    const fn = await loadTask(message.task);
    const iterable = (await fn(...message.args)) as Iterable<unknown> | AsyncIterable<unknown> | null;
    if (iterable === null || typeof iterable !== 'object' || !(Symbol.asyncIterator in iterable || Symbol.iterator in iterable)) {
      throw new TypeError('a stream task must be a generator function (or return an iterable / async iterable)');
    }
    for await (const item of iterable as AsyncIterable<unknown>) {
      const outcome = checked(item, 'a yielded value');
      if (!('value' in outcome)) {
        await send({ type: 'end', id, failure: outcome });
        return;
      }
      await send({ type: 'yield', id, value: outcome.value });
    }
    await send({ type: 'end', id });
  } catch (err) {
    await send({ type: 'end', id, failure: { error: encodeError(err) } });
  }
}

/**
 * Sends a message; when the channel is backed up, lets the event loop drain
 * it first, so a fast generator cannot pile up memory. A value our clone
 * check let through but the serializer refuses becomes that call's failure.
 */
async function send(message: FromChild): Promise<void> {
  let flowing: boolean;
  try {
    flowing = process.send!(message);
  } catch (err) {
    flowing = process.send!(unsendable(message, err));
  }
  if (!flowing) await new Promise((resolve) => setImmediate(resolve));
}

function unsendable(message: FromChild, err: unknown): FromChild {
  const uncloneable = `the result cannot be cloned to the parent process: ${String((err as Error)?.message ?? err)}`;
  switch (message.type) {
    case 'done':
      return { type: 'done', id: message.id, values: [], failures: message.values.map(() => ({ uncloneable })) };
    case 'yield':
    case 'end':
      return { type: 'end', id: message.id, failure: { uncloneable } };
    default:
      return { type: 'initFailed', error: encodeError(err) as EncodedError };
  }
}
