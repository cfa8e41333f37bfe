/**
 * Worker side of a result's (or a yielded value's) way to the main thread:
 * unwrap `transfer()`, refuse what cannot cross — naming it — and make sure
 * whatever is sent can be rebuilt over there.
 *
 * The main thread rebuilds a value with a smaller stack than the worker
 * serialised it with (see kMaxCloneDepth): a value too deep for it used to
 * be dropped by Piscina (`messageerror`), leaving its future running for
 * ever. So the walk refuses a value nested deeper than kMaxCloneDepth, and a
 * value too big to walk whole is serialised here with `v8.serialize` and
 * rebuilt there with `v8.deserialize` inside a try (unpackValue.ts): a
 * failure on either side fails that one future with `DataCloneError`.
 */
import { serialize } from 'node:v8';
import { checkCloneable, describeThrown } from '../internal/cloneCheck';
import { encodeError, type EncodedError } from '../internal/errorCodec';
import { isTransferred, transferListItem } from '../transfer';

/** A prepared value: as it is, or packed (`v8.serialize`d) for the main thread to unpack. */
export type Prepared = { ok: true; value: unknown; packed?: true } | { ok: false; error: EncodedError };

/**
 * @param value - what the task returned or yielded
 * @param transferList - collects what `transfer()` marked
 * @param what - how to name it in a message (`the result`, `a yielded value`)
 */
export function prepareValue(value: unknown, transferList: ArrayBuffer[], what: string): Prepared {
  if (isTransferred(value)) {
    transferList.push(transferListItem(value.value) as ArrayBuffer);
    return { ok: true, value: value.value };
  }
  let check;
  try {
    check = checkCloneable(value, 'result');
  } catch (err) {
    return cloneFailure(what, `checking it threw ${describeThrown(err)}`);
  }
  if (check.bad !== undefined) return cloneFailure(what, check.bad);
  if (!check.unchecked) return { ok: true, value };
  // Too big to walk whole: serialise it here, where a failure is ours to report.
  let packed: Buffer;
  try {
    packed = serialize(value);
  } catch (err) {
    // v8.serialize knows no host objects (a Blob, a port) that postMessage carries: send those as they are.
    if (/host object/i.test(describeThrown(err))) return { ok: true, value };
    return cloneFailure(what, describeThrown(err));
  }
  const bytes = new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength);
  // A pooled Buffer shares its ArrayBuffer: transfer only one that is ours alone.
  if (packed.byteOffset === 0 && packed.byteLength === packed.buffer.byteLength) transferList.push(packed.buffer as ArrayBuffer);
  return { ok: true, value: bytes, packed: true };
}

/** Our DataCloneError, encoded (the pool rebuilds it as rxfutures' DataCloneError: outcomes.ts). */
export function cloneFailure(what: string, problem: string): { ok: false; error: EncodedError } {
  const error = new Error(`${what} cannot be cloned to the main thread: ${problem}`);
  error.name = 'DataCloneError';
  return { ok: false, error: encodeError(error) };
}
