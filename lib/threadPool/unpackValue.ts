/**
 * Main side of packValue.ts: rebuilds a value the worker serialised itself.
 * A value the main thread cannot rebuild (its stack is smaller than the
 * worker's) fails its own future with `DataCloneError` instead of being lost.
 */
import { deserialize } from 'node:v8';
import { DataCloneError } from '../errors';

/** @returns the value, or the DataCloneError that says why it could not be rebuilt */
export function unpackValue(bytes: unknown, what: string): { value: unknown } | { error: DataCloneError } {
  if (!(bytes instanceof Uint8Array)) return { error: new DataCloneError(`${what} arrived damaged from the worker (not a packed value)`) };
  try {
    return { value: deserialize(bytes) };
  } catch (err) {
    const reason = String((err as Error)?.message ?? err);
    const hint = /call stack/i.test(reason) ? ' (it is nested too deep for the main thread to rebuild)' : '';
    return { error: new DataCloneError(`${what} cannot be rebuilt on the main thread: ${reason}${hint}`, { cause: err }) };
  }
}
