/**
 * Parent side: an encoded exception from a child, checked before it is
 * rebuilt. A child is a stranger (a task can write anything to its
 * sockets), and the shared decoder once looked `ctor` up in a plain object,
 * so an error named `toString` or `constructor` made it call
 * `Object.prototype.toString` as a constructor. This copy keeps only what
 * has the expected shape: a `ctor` that is a built-in error class (own-key
 * lookup), strings where strings belong, props without `__proto__`, and a
 * bounded `cause`/`errors` depth. Never throws.
 */
import type { EncodedError } from '../internal/errorCodec';

const kBuiltinCtors = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);
// Deeper causes are cut off (the encoder stops at 16 anyway).
const kMaxCauseDepth = 32;
// At most this many errors of an AggregateError are rebuilt.
const kMaxErrors = 1000;

/** @returns a well-formed copy of `value`, or undefined if it is not an encoded exception at all */
export function sanitizeEncodedError(value: unknown, depth = 0): EncodedError | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (v.kind === 'value') return { kind: 'value', value: v.value };
  if (v.kind !== 'error') return undefined;
  const ctor = typeof v.ctor === 'string' && kBuiltinCtors.has(v.ctor) ? v.ctor : 'Error';
  const props: Record<string, unknown> = {};
  if (v.props !== null && typeof v.props === 'object') {
    for (const key of Object.keys(v.props)) {
      // Object.assign would set the prototype through `__proto__`; the rest are plain own data.
      if (key === '__proto__') continue;
      props[key] = (v.props as Record<string, unknown>)[key];
    }
  }
  const hasCause = v.hasCause === true && depth < kMaxCauseDepth;
  const encoded: EncodedError = {
    kind: 'error',
    ctor,
    name: typeof v.name === 'string' ? v.name : 'Error',
    message: typeof v.message === 'string' ? v.message : '',
    stack: typeof v.stack === 'string' ? v.stack : undefined,
    hasCause,
    props,
  };
  if (hasCause) encoded.cause = sanitizeEncodedError(v.cause, depth + 1) ?? { kind: 'value', value: undefined };
  if (ctor === 'AggregateError' && Array.isArray(v.errors) && depth < kMaxCauseDepth) {
    encoded.errors = v.errors.slice(0, kMaxErrors).map((e) => sanitizeEncodedError(e, depth + 1) ?? { kind: 'value', value: e });
  }
  return encoded;
}
