import { ShutdownError } from '../errors';
import { exitingMessage, processIsExiting } from './processExiting';

/**
 * The rule every executor's `submit`, `map` and `stream` share: no new
 * future once the executor was shut down (CPython's `RuntimeError('cannot
 * schedule new futures after shutdown')`), nor once the process is exiting
 * (no event loop turn is left to run the call or carry its answer, so the
 * future would say `running` for ever). Both throw `ShutdownError`
 * synchronously, the same on every executor.
 */
export function checkSchedulable(method: string, shutDown: boolean): void {
  if (shutDown) throw new ShutdownError(`${method}: cannot schedule new futures after shutdown`);
  if (processIsExiting()) throw new ShutdownError(exitingMessage(method));
}
