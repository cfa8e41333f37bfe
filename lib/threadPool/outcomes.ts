/**
 * What a Piscina rejection means for a future: a DataCloneError, or a
 * WorkerExitError (a task's own exception is rebuilt by
 * internal/decodeTaskError.ts).
 */
import { DataCloneError, WorkerExitError } from '../errors';

/** Why a Piscina run was rejected without an abort: the worker died (or the message could not be sent). */
export function workerFailure(err: unknown): Error {
  if (err instanceof DataCloneError) return err;
  const message = String((err as Error)?.message ?? err);
  if ((err as Error)?.name === 'DataCloneError') {
    return new DataCloneError(`the task's arguments cannot be cloned to a worker: ${message}`, { cause: err });
  }
  return new WorkerExitError(`the worker running this task exited: ${message}`, { cause: err });
}
