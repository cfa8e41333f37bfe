/**
 * Main side: settles the future of call i of a worker's answer, on its own.
 * The answer is a worker's message — untrusted data — so every read is
 * guarded, and whatever goes wrong with call i fails future i with a typed
 * error: its neighbours in the same message never notice.
 */
import { DataCloneError } from '../errors';
import type { Future } from '../Future';
import { decodeTaskError } from '../internal/decodeTaskError';
import type { Response } from './protocol';
import { unpackValue } from './unpackValue';

export function deliverCall(f: Future<unknown>, response: Response, i: number): void {
  try {
    const error = Array.isArray(response.errors) ? response.errors[i] : undefined;
    if (error !== undefined) {
      f.setException(decodeTaskError(error));
      return;
    }
    const value = Array.isArray(response.values) ? response.values[i] : undefined;
    if (Array.isArray(response.packed) && response.packed.includes(i)) {
      const unpacked = unpackValue(value, 'the result');
      if ('error' in unpacked) f.setException(unpacked.error);
      else f.setResult(unpacked.value);
      return;
    }
    f.setResult(value);
  } catch (err) {
    // Nothing above should throw (decodeError never does); if something did, this future still ends.
    if (!f.done()) f.setException(new DataCloneError(`the result could not be delivered: ${String((err as Error)?.message ?? err)}`, { cause: err }));
  }
}
