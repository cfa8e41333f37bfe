/**
 * A work item — one message to a worker — and the bookkeeping of its calls:
 * which start, which were cancelled while queued, how one call of a batch
 * is interrupted.
 */
import type { Transferable } from 'node:worker_threads';
import type { Future } from '../Future';
import type { InterruptSignal } from './InterruptSignal';
import { CallState, type Request } from './protocol';

/** One message to a worker: one call, a batch of calls, or a generator run. */
export interface WorkItem {
  /** One per call; for a stream, the one future standing for the whole run. */
  futures: Future<unknown>[];
  request: Request;
  transferList: Transferable[];
  /** For streams: told when the worker dies under the run. */
  onWorkerFailure?: (error: unknown) => void;
  /** The futures are already running: calls re-queued after their worker went down. */
  started?: boolean;
}

/** Marks an item's futures running, dropping cancelled calls; undefined if none is left. */
export function startLive(item: WorkItem): WorkItem | undefined {
  if (item.started) {
    const futures = item.futures.filter((f) => !f.done());
    return futures.length === 0 ? undefined : futures.length === item.futures.length ? item : keepCalls(item, futures);
  }
  const { batch } = item.request;
  if (batch === undefined) {
    return item.futures[0].setRunningOrNotifyCancel() ? item : undefined;
  }
  const futures: Future<unknown>[] = [];
  const calls: unknown[][] = [];
  item.futures.forEach((f, i) => {
    if (f.setRunningOrNotifyCancel()) {
      futures.push(f);
      calls.push(batch[i]);
    }
  });
  if (futures.length === 0) return undefined;
  if (futures.length === item.futures.length) return item;
  return { ...item, futures, request: { ...item.request, batch: calls } };
}

/** The same item with only the calls of `futures` (a subset, in order). */
function keepCalls(item: WorkItem, futures: Future<unknown>[]): WorkItem {
  const batch = item.request.batch!;
  const calls = futures.map((f) => batch[item.futures.indexOf(f)]);
  return { ...item, futures, request: { ...item.request, batch: calls } };
}

/**
 * Interrupt of call i of a batch: skip it if the worker has not reached it
 * (compare-and-swap against the worker's claim), else stop the worker.
 */
export function interruptCall(control: Int32Array, i: number, controller: InterruptSignal): void {
  const previous = Atomics.compareExchange(control, i, CallState.Waiting, CallState.Skipped);
  if (previous === CallState.Started) controller.abort();
}
