/**
 * What becomes of the calls of a coalesced message whose worker went down
 * (it crashed, or it was terminated because an interrupted call ignored its
 * signal): Python's pools run a call at most once, and so do we.
 *
 * - A call the worker never claimed is taken back (its control cell moved
 *   from Waiting to Skipped, so a worker that is still being terminated
 *   cannot start it after all) and runs on another worker.
 * - A call whose result the worker posted early (ResultFlusher.ts) has it
 *   already: the pool reads every counted flush before it salvages
 *   (FlushInbox.ts).
 * - A call that finished and left its value in shared memory
 *   (sharedOutcome.ts: numbers, short strings, …) gets that value.
 * - A call that started — running, or finished with an outcome that was only
 *   in the dead worker's memory — never runs again: it fails with
 *   WorkerExitError.
 */
import { DataCloneError, WorkerExitError } from '../errors';
import { workerFailure } from './outcomes';
import { CallState } from './protocol';
import { sharedValue } from './sharedOutcome';
import type { WorkItem } from './workItem';

/**
 * Settles the started calls of `item` and returns the calls that never
 * started, to be queued again (undefined if none).
 *
 * @param item - the message that went down, with its per-call control cells
 * @param cause - Piscina's rejection (the worker's exit, or the abort of a forced interrupt)
 * @param forced - true when we terminated the worker (an interrupt ignored for interruptGraceMs)
 */
export function salvageBatch(item: WorkItem, cause: unknown, forced: boolean): WorkItem | undefined {
  const { control, batch } = item.request;
  if (cause instanceof DataCloneError) {
    // The message could not even be posted: no worker saw it, and it would fail again.
    for (const f of item.futures) if (!f.done()) f.setException(cause);
    return undefined;
  }
  const again: WorkItem = { futures: [], request: { task: item.request.task, batch: [] }, transferList: [], started: true };
  const why = forced ? 'was terminated because another call of its message ignored an interrupt' : `exited: ${describe(cause)}`;
  let kept: { value: unknown } | undefined;
  item.futures.forEach((f, i) => {
    if (f.done()) return;
    const state = Atomics.compareExchange(control!, i, CallState.Waiting, CallState.Skipped);
    if (state === CallState.Waiting || state === CallState.Skipped) {
      // Never started (Skipped with a live future: taken back before the worker reached it).
      again.futures.push(f);
      again.request.batch!.push(batch![i]);
    } else if ((kept = sharedValue(control!, state, i)) !== undefined) {
      // Finished, and its value survived in shared memory.
      f.setResult(kept.value);
    } else if (state === CallState.Done) {
      f.setException(new WorkerExitError(`the call finished, but its result was lost: the worker running it ${why}`, { cause }));
    } else {
      // Running when the worker went down: on a crash, the call it died under.
      f.setException(forced ? new WorkerExitError(`the worker running this task ${why}`, { cause }) : workerFailure(cause));
    }
  });
  return again.futures.length > 0 ? again : undefined;
}

function describe(err: unknown): string {
  try {
    return String((err as Error)?.message ?? err);
  } catch {
    return 'unknown error';
  }
}
