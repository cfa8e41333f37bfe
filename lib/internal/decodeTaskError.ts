/**
 * A task's exception as its future holds it, at every executor's boundary:
 * rebuilt by the one decoding rule (errorCodec.ts), and the report of a far
 * side's clone check — an encoded Error named `DataCloneError` — made our
 * own `DataCloneError`, so `instanceof DataCloneError` holds wherever the
 * part that could not cross was found.
 */
import { DataCloneError } from '../errors';
import { decodeError } from './errorCodec';

/** @returns the rebuilt exception (never throws: decodeError validates `encoded`) */
export function decodeTaskError(encoded: unknown): unknown {
  const error = decodeError(encoded);
  if (error instanceof Error && Object.getPrototypeOf(error) === Error.prototype && error.name === 'DataCloneError') {
    return new DataCloneError(error.message, { cause: error });
  }
  return error;
}
