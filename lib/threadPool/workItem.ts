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
 * (compare-and-swap against the worker's claim); if it is running, mark it
 * Interrupted (the worker aborts its signal) and give it `graceMs` to end.
 * If it is still running then, the worker is stopped (`controller.abort()`):
 * first every call it has not reached is taken back (re-queued by the
 * pool), so none starts on a worker that is going away.
 */
export function interruptCall(control: Int32Array, i: number, controller: InterruptSignal, graceMs: number): void {
  if (Atomics.compareExchange(control, i, CallState.Waiting, CallState.Skipped) !== CallState.Started) return;
  // Finished between the two exchanges: nothing to interrupt.
  if (Atomics.compareExchange(control, i, CallState.Started, CallState.Interrupted) !== CallState.Started) return;
  Atomics.notify(control, i);
  afterGrace(graceMs, () => {
    if (Atomics.load(control, i) !== CallState.Interrupted) return; // it ended: the worker goes on
    for (let k = 0; k < control.length; k++) Atomics.compareExchange(control, k, CallState.Waiting, CallState.Skipped);
    if (Atomics.load(control, i) === CallState.Interrupted) controller.abort();
  });
}

/**
 * Runs `force` once `graceMs` have passed (at once for 0, never for
 * Infinity). The timer does not hold the process open: the worker running
 * the call does, as long as it runs.
 */
export function afterGrace(graceMs: number, force: () => void): void {
  if (graceMs === 0) force();
  else if (graceMs < kMaxTimeout) setTimeout(force, graceMs).unref();
}

// setTimeout's largest delay; anything longer is treated as never.
const kMaxTimeout = 2 ** 31 - 1;
