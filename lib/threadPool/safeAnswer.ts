/**
 * Worker side: an answer that cannot be posted fails its calls with
 * `DataCloneError`, never `WorkerExitError`.
 *
 * Piscina posts our answer (`port.postMessage(response, transferList)`)
 * after the handler has returned, outside any `try` of ours, and rethrows a
 * failure on the next tick — which kills the worker, so every call of the
 * message used to fail with WorkerExitError although no worker had a
 * problem. The answer passed our clone check, so what makes the post throw
 * is what the check cannot see: a transfer list naming one buffer twice (two
 * calls of a batch returning `transfer()` of the same buffer), a typed array over a SharedArrayBuffer marked for transfer, a getter
 * that throws only on a later read.
 *
 * So this worker's `MessagePort.prototype.postMessage` is wrapped: when
 * posting an answer of ours throws, the answer is posted again with each
 * call's outcome checked alone — a structured-clone copy (plain data, no
 * getter left to throw), or a DataCloneError naming the problem for that
 * call only — and, should even that fail, with every call failed by a
 * DataCloneError that names it. Other messages (a task's own ports, the
 * stream port, partial flushes) are untouched, and on the way that works the
 * wrapper costs one function call.
 */
import { types } from 'node:util';
import { MessagePort, type TransferListItem } from 'node:worker_threads';
import type * as CloneCheck from '../internal/cloneCheck';
import type { EncodedError } from '../internal/errorCodec';
import type * as PackValue from './packValue';
import type { Response } from './protocol';

// Loaded when an answer needs repairing, never on the way that works: a worker's start-up does not
// compile the clone check and the error codec for this.
const describeThrown = (err: unknown): string => (require('../internal/cloneCheck') as typeof CloneCheck).describeThrown(err);
const cloneFailure = (what: string, problem: string): ReturnType<typeof PackValue.cloneFailure> =>
  (require('./packValue') as typeof PackValue).cloneFailure(what, problem);

let installed = false;

/** Wraps this thread's MessagePort.prototype.postMessage (once). */
export function installSafeAnswer(): void {
  if (installed) return;
  installed = true;
  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function postMessage(this: MessagePort, message: unknown, transferList?: readonly TransferListItem[]): void {
    try {
      post.call(this, message, transferList);
    } catch (err) {
      const answer = answerOf(message);
      if (answer === undefined) throw err;
      postRepaired(this, post, answer, transferList, describeThrown(err));
    }
  };
}

/** Piscina's envelope `{ taskId, result, error, time }` around one of our answers, if `message` is one. */
function answerOf(message: unknown): { envelope: Record<string, unknown>; response: Response } | undefined {
  if (message === null || typeof message !== 'object' || !Object.hasOwn(message, 'taskId') || !Object.hasOwn(message, 'result')) return undefined;
  const response = (message as { result: unknown }).result;
  if (response === null || typeof response !== 'object' || !Array.isArray((response as Response).values)) return undefined;
  return { envelope: message as Record<string, unknown>, response: response as Response };
}

function postRepaired(
  port: MessagePort,
  post: MessagePort['postMessage'],
  { envelope, response }: { envelope: Record<string, unknown>; response: Response },
  transferList: readonly TransferListItem[] | undefined,
  problem: string,
): void {
  const moved = transferList ?? [];
  try {
    const { values, errors, transfer } = isolate(response, moved);
    post.call(port, { ...envelope, result: { ...response, values, errors } }, transfer);
    return;
  } catch {
    // Even the repaired answer cannot go: fail every call it carries, naming the first problem.
  }
  const failure = cloneFailure('the result', `the worker's answer could not be posted: ${problem}`).error;
  const skipped = new Set(response.skipped ?? []);
  const from = response.flushedUpTo ?? 0;
  const errors: (EncodedError | undefined)[] = response.values.map((_, i) => (i < from || skipped.has(i) ? undefined : failure));
  post.call(port, { ...envelope, result: { ...response, values: new Array(response.values.length), errors, packed: undefined } }, []);
}

/**
 * Each call's outcome alone: a copy, a moved value kept as it is (listed once), or a DataCloneError.
 */
function isolate(response: Response, moved: readonly TransferListItem[]): { values: unknown[]; errors: (EncodedError | undefined)[]; transfer: TransferListItem[] } {
  const values: unknown[] = new Array(response.values.length);
  const errors: (EncodedError | undefined)[] = [];
  const transfer = new Set<TransferListItem>();
  response.values.forEach((value, i) => {
    const error = response.errors?.[i];
    if (error !== undefined) {
      try {
        errors[i] = structuredClone(error);
      } catch (err) {
        errors[i] = cloneFailure("the task's exception", describeThrown(err)).error;
      }
      return;
    }
    const movedPart = movedPartOf(value, moved);
    if (movedPart !== undefined) {
      values[i] = value;
      // Listed once however many calls return it; shared memory is never moved.
      if (!types.isSharedArrayBuffer(movedPart)) transfer.add(movedPart);
      return;
    }
    try {
      values[i] = structuredClone(value);
    } catch (err) {
      errors[i] = cloneFailure('the result', describeThrown(err)).error;
    }
  });
  return { values, errors, transfer: [...transfer] };
}

/** The transfer-list entry a `transfer()`ed result moves (its buffer, or the port), if it is one. */
function movedPartOf(value: unknown, moved: readonly TransferListItem[]): TransferListItem | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const part = ArrayBuffer.isView(value) ? value.buffer : value;
  return moved.includes(part as TransferListItem) ? (part as TransferListItem) : undefined;
}
