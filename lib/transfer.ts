import type { MessagePort } from 'node:worker_threads';
import { types } from 'node:util';
import { kTransfer } from './internal/symbols';

/** What `transfer()` accepts: memory or a port that can move between threads. */
export type Transferable = ArrayBuffer | ArrayBufferView | MessagePort;

/** A value marked for transfer; executors unwrap it. */
export interface Transferred<T extends Transferable = Transferable> {
  readonly [kTransfer]: true;
  readonly value: T;
}

/**
 * Marks a top-level argument — or, inside a task, its result — to be moved
 * to the other thread instead of copied (Piscina's `move`). The sender's
 * buffer is detached once the task is sent.
 *
 * @example
 * ```ts
 * import { transfer } from 'rxfutures';
 * const buf = new Uint8Array(64 * 1024 * 1024);
 * await pool.submit(tasks.checksum, transfer(buf)); // buf.byteLength is now 0
 * // inside a task module:
 * export function render() { return require('rxfutures').transfer(new Uint8Array(1024)); }
 * ```
 * @param value - an ArrayBuffer, a typed array / DataView, or a MessagePort
 * @returns a marker the executor unwraps (the task receives `value` itself)
 * @throws `TypeError` for anything else
 */
export function transfer<T extends Transferable>(value: T): T {
  if (!isTransferableValue(value)) {
    throw new TypeError('transfer: value must be an ArrayBuffer, a typed array, a DataView or a MessagePort');
  }
  // Typed as T so `submit(task, transfer(buf))` type-checks against the task's parameters.
  return Object.freeze({ [kTransfer]: true as const, value }) as unknown as T;
}

/** True for markers made by `transfer()`. */
export function isTransferred(value: unknown): value is Transferred {
  if (typeof value !== 'object' || value === null || types.isProxy(value)) return false;
  try {
    return (value as Record<symbol, unknown>)[kTransfer] === true;
  } catch {
    // A getter that throws: not our marker (the clone check names the problem, through the future).
    return false;
  }
}

/** The underlying transferable object (the buffer of a view). */
export function transferListItem(value: Transferable): ArrayBuffer | MessagePort {
  if (ArrayBuffer.isView(value)) return value.buffer as ArrayBuffer;
  return value as ArrayBuffer | MessagePort;
}

function isTransferableValue(value: unknown): value is Transferable {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  const ctor = (value as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor === 'MessagePort';
}
