/**
 * Main side: what is wrong with a call's arguments, if anything, before they
 * go to a worker — so a bad argument fails its future (SPEC: bad arguments
 * come back through the future) instead of throwing from `submit` or
 * killing a worker.
 */
import { serialize } from 'node:v8';
import type { Transferable } from 'node:worker_threads';
import { checkCloneable, describeThrown } from '../internal/cloneCheck';

/** @returns a description of the problem (by path), or undefined if the arguments can be sent */
export function argsProblem(args: unknown, transferList: readonly Transferable[]): string | undefined {
  const { bad, unchecked } = checkCloneable(args, 'args', transferList);
  if (bad !== undefined || !unchecked || transferList.length > 0) return bad;
  // Too big to walk whole: let the serialiser itself try (once; postMessage would throw the same
  // inside Piscina, where the error would be taken for a dead worker).
  try {
    serialize(args);
    return undefined;
  } catch (err) {
    const reason = describeThrown(err);
    // A host object (a Blob) that only postMessage carries: let the send decide.
    return /host object/i.test(reason) ? undefined : `args cannot be serialised: ${reason}`;
  }
}
