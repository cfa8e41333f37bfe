/**
 * What a worker's answer (or its death) means for a future: a task's own
 * exception rebuilt, a DataCloneError, or a WorkerExitError.
 */
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
