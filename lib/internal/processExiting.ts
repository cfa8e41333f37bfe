/**
 * Whether this process (or worker thread) has begun to exit.
 *
 * Once Node emits `'exit'`, the event loop will not turn again: a task sent
 * to a worker now can never report back, so its future would say `running`
 * for ever. CPython refuses with `RuntimeError('cannot schedule new futures
 * after interpreter shutdown')`; every executor here throws `ShutdownError`
 * synchronously instead, as it does after `shutdown()`.
 *
 * Node sets `process._exiting` before it emits `'exit'`, whether the exit
 * came from `process.exit()` or from an empty event loop, so this is right
 * even inside an `'exit'` listener registered before any of ours.
 */
export function processIsExiting(): boolean {
  return (process as unknown as { _exiting?: boolean })._exiting === true;
}

/** The message every executor's `submit` throws with once the process is exiting. */
export function exitingMessage(method: string): string {
  return `${method}: cannot schedule new futures after interpreter shutdown (the process is exiting)`;
}
