/**
 * Worker side: has a finished task left work on this thread's event loop —
 * a timer, a socket, pending I/O, an `Atomics.waitAsync` — and how to keep
 * the loop turning while it has.
 *
 * Why it matters: an idle worker waits for its next message blocked in
 * `Atomics.wait` (Piscina's `atomics: 'sync'`, the fastest wake-up there is),
 * and a blocked thread runs nothing. Work left behind would then run only
 * under some later task — which takes the blame if it throws. So after every
 * message the worker checks for leftovers, and the pool answers a worker that
 * has some with a keep-alive run ({@link keepEventLoopRunning}) that holds it
 * out of `Atomics.wait` until the leftovers are done. Workers without
 * leftovers — nearly all, for CPU work — keep the fast blocking wait.
 *
 * What counts is what keeps a Node.js event loop alive: ref'd handles and
 * requests (`process.getActiveResourcesInfo()`), plus pending
 * `Atomics.waitAsync` calls, which Node does not list; `unref()`'d timers and
 * handles do not count, as they would not keep a process alive either.
 */

// Node 20's lib typings may lack waitAsync; its shape as V8 implements it.
type WaitAsync = (
  array: Int32Array | BigInt64Array,
  index: number,
  value: number | bigint,
  timeout?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

const atomics = Atomics as unknown as { waitAsync: WaitAsync };
const realWaitAsync: WaitAsync = atomics.waitAsync.bind(Atomics);
let pendingAsyncWaits = 0;
// Resources of the worker's own machinery (Piscina's ports), counted before any task ran.
let baseline: number | undefined;
// Longest pause between two checks of a keep-alive run (ms); it starts at 1 ms and doubles.
const kMaxPauseMs = 100;
const kNeverNotified = new Int32Array(new SharedArrayBuffer(4));

/**
 * Counts pending `Atomics.waitAsync` calls; called once when the worker entry
 * loads. The wrapper returns exactly what the real one does.
 */
export function trackAsyncWaits(): void {
  Object.defineProperty(Atomics, 'waitAsync', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function waitAsync(...args: Parameters<WaitAsync>) {
      const result = realWaitAsync(...args);
      if (result.async) {
        pendingAsyncWaits += 1;
        const settled = (): void => {
          pendingAsyncWaits -= 1;
        };
        result.value.then(settled, settled);
      }
      return result;
    },
  });
}

/**
 * Records what the worker's own machinery holds open; called as the first
 * message arrives, before any user code. `ownResources` are resources of that
 * message which are not the worker's (a stream's port).
 */
export function recordBaseline(ownResources: number): void {
  baseline ??= process.getActiveResourcesInfo().length - ownResources;
}

/** True if finished tasks left work that only a turning event loop will run. */
export function hasLeftoverWork(): boolean {
  return pendingAsyncWaits > 0 || (baseline !== undefined && process.getActiveResourcesInfo().length > baseline);
}

/**
 * The keep-alive run: resolves once no leftover work is pending, checking at
 * growing intervals. While it runs, Piscina counts a task on this worker, so
 * the worker stays out of `Atomics.wait` and its event loop turns; real tasks
 * still reach it meanwhile, as message events.
 */
export async function keepEventLoopRunning(): Promise<void> {
  let pause = 1;
  while (hasLeftoverWork()) {
    // A wait nobody notifies: a timeout that holds no handle of its own (a timer would count itself).
    const wait = realWaitAsync(kNeverNotified, 0, 0, pause);
    if (wait.async) await wait.value;
    pause = Math.min(kMaxPauseMs, pause * 2);
  }
}
