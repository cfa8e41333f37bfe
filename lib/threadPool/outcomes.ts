/**
 * What a worker's answer (or its death) means for a future: a task's own
 * exception rebuilt, a DataCloneError, or a WorkerExitError; and where the
 * compiled worker entry lives.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DataCloneError, WorkerExitError } from '../errors';
import { decodeError } from '../internal/errorCodec';

/** A task's own exception, rebuilt; our clone check's report becomes our DataCloneError. */
export function decodeTaskError(encoded: unknown): unknown {
  // decodeError never throws and validates `encoded`; what it made is ours to inspect.
  const error = decodeError(encoded);
  if (error instanceof Error && Object.getPrototypeOf(error) === Error.prototype && error.name === 'DataCloneError') {
    return new DataCloneError(error.message, { cause: error });
  }
  return error;
}

/** Why a Piscina run was rejected without an abort: the worker died (or the message could not be sent). */
export function workerFailure(err: unknown): Error {
  if (err instanceof DataCloneError) return err;
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
export function workerEntry(): string {
  const beside = path.join(__dirname, 'worker.js');
  if (existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '../../dist/cjs/threadPool/worker.js');
  if (existsSync(built)) return built;
  throw new Error(`rxfutures: the worker entry was not found at ${beside}; run the build (npm run build) first`);
}
