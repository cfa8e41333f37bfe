/**
 * Producer side: an encoded exception read from Redis, checked field by
 * field and copied into a fresh `EncodedError` before it is rebuilt. A
 * forged one — `e: null`, a `ctor` of `toString`, a 50,000-deep cause
 * chain, a `__proto__` property — is a TypeError here, which fails only the
 * future it was meant for; it never reaches the decoder, never throws into
 * BullMQ's or the event reader's code, and never changes a prototype.
 */
import { decodeError, type EncodedError } from '../internal/errorCodec';

const kCtors: ReadonlySet<string> = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);
// The encoder stops a cause chain at depth 16 (a plain value after): a little room, no more.
const kMaxDepth = 20;
// Errors and properties in one encoded exception, all levels together.
const kMaxNodes = 10_000;

/**
 * Checks and rebuilds an encoded exception.
 * @example
 * ```ts
 * const error = rebuildError(unpack(progress.e, limit)); // a TypeError with its code, cause and stack
 * ```
 * @returns what the task threw (an Error of a built-in class, or the thrown value)
 * @throws TypeError naming the first field that is not as the encoder writes it
 */
export function rebuildError(value: unknown): unknown {
  const checked = checkEncodedError(value, 0, { nodes: 0 });
  let error: unknown;
  try {
    error = decodeError(checked);
  } catch (failure) {
    throw new TypeError(`the exception could not be rebuilt: ${(failure as Error)?.message}`, { cause: failure });
  }
  if (checked.kind === 'error' && !(error instanceof Error)) throw new TypeError('the exception did not rebuild as an Error');
  return error;
}

function checkEncodedError(value: unknown, depth: number, count: { nodes: number }): EncodedError {
  if (depth > kMaxDepth) throw new TypeError(`the exception's cause chain is deeper than ${kMaxDepth}`);
  if ((count.nodes += 1) > kMaxNodes) throw new TypeError(`the exception has more than ${kMaxNodes} parts`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('an encoded exception must be an object');
  const kind = own(value, 'kind');
  if (kind === 'value') return { kind: 'value', value: own(value, 'value') };
  if (kind !== 'error') throw new TypeError('an encoded exception has kind error or value');
  const ctor = own(value, 'ctor');
  if (typeof ctor !== 'string' || !kCtors.has(ctor)) throw new TypeError('the exception names no built-in Error class');
  const name = own(value, 'name');
  const message = own(value, 'message');
  const stack = own(value, 'stack');
  const hasCause = own(value, 'hasCause');
  if (typeof name !== 'string' || typeof message !== 'string') throw new TypeError("the exception's name and message must be strings");
  if (stack !== undefined && typeof stack !== 'string') throw new TypeError("the exception's stack must be a string");
  if (typeof hasCause !== 'boolean') throw new TypeError("the exception's hasCause must be a boolean");
  const out: EncodedError = { kind: 'error', ctor, name, message, stack, hasCause, props: checkProps(own(value, 'props'), count) };
  if (hasCause) out.cause = checkEncodedError(own(value, 'cause'), depth + 1, count);
  const errors = own(value, 'errors');
  if (errors !== undefined) {
    if (!Array.isArray(errors) || errors.length > kMaxNodes) throw new TypeError("an AggregateError's errors must be an array");
    out.errors = [];
    for (let i = 0; i < errors.length; i++) out.errors.push(checkEncodedError(errors[i], depth + 1, count));
  }
  return out;
}

/** Own enumerable properties as plain data; a `__proto__` key is dropped (assigning it would set the prototype). */
function checkProps(props: unknown, count: { nodes: number }): Record<string, unknown> {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) throw new TypeError("the exception's props must be an object");
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(props)) {
    if ((count.nodes += 1) > kMaxNodes) throw new TypeError(`the exception has more than ${kMaxNodes} parts`);
    if (key === '__proto__') continue;
    Object.defineProperty(out, key, { value: (props as Record<string, unknown>)[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function own(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}
