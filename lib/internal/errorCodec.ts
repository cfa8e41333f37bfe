/**
 * Carries exceptions across a thread, process or queue boundary whole — and
 * the one rule for rebuilding them, used at every boundary.
 *
 * Structured clone keeps an Error's message and (for built-in classes) its
 * class, but drops `code`, `errno` and every other own property, and Piscina
 * passes whatever it gets. So the far side encodes what it caught into a
 * plain object, and this side rebuilds it: same built-in class, `name`,
 * `message`, far-side `stack`, `cause` chain, own enumerable properties and
 * `errors` of an AggregateError. Thrown non-Errors arrive as they were thrown.
 *
 * The encoded value is untrusted (a worker, a child process, Redis):
 * - class names are looked up in a `Map` of the built-in classes, never as
 *   `table[name]` on a plain object (an error named `toString` or
 *   `constructor` must not reach `Object.prototype`);
 * - properties are defined with `Object.defineProperty`, so a key
 *   `__proto__` is an own property and never changes the prototype: a
 *   rebuilt error is always `instanceof Error`;
 * - both directions are iterative and bounded: a cause chain is cut after
 *   {@link kMaxCauseDepth} levels (and {@link kMaxErrorNodes} errors in all)
 *   with a marker error saying so; a property value nested deeper than the
 *   receiver can rebuild is replaced by a description;
 * - {@link decodeError} never throws: what cannot be rebuilt becomes a plain
 *   `Error` whose message says what and why.
 */

import { types } from 'node:util';
import { checkCloneable, describeThrown, kMaxCloneDepth, type Boundary } from './cloneCheck';

/** An encoded exception: a plain, structured-clonable (and JSON-able) object. */
export type EncodedError =
  | { readonly kind: 'error'; ctor: string; name: string; message: string; stack?: string; cause?: EncodedError; hasCause: boolean; props: Record<string, unknown>; errors?: EncodedError[] }
  | { readonly kind: 'value'; value: unknown };

type EncodedErrorNode = Extract<EncodedError, { kind: 'error' }>;

/**
 * Levels of `cause` (and of AggregateError `errors`) kept. Deeper ones are
 * replaced by one marker error; a 50,000-deep chain costs 100 encodings.
 */
export const kMaxCauseDepth = 100;

/** Errors encoded or rebuilt for one exception, in all (an AggregateError fans out). */
export const kMaxErrorNodes = 1000;

/** The message of the marker error that stands where a chain was cut. */
export function cutMessage(depth: number): string {
  return `rxfutures: the cause chain was cut here, ${depth} levels deep (deeper causes were not sent)`;
}

const kBuiltins = new Map<string, ErrorConstructor>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

// Kept where Error keeps them, never copied as own enumerable properties.
const kReserved = new Set(['cause', 'errors', 'name', 'message', 'stack']);

// Nesting an encoded level adds on the way (`cause`, or `errors` + index), plus the
// envelope a response wraps it in: a property value may use what is left of kMaxCloneDepth.
const kLevelCost = 2;
const kEnvelope = 8;

/**
 * Encodes anything thrown, on the side that caught it. Never throws.
 *
 * @param boundary - where it goes: `process` (v8.serialize) also replaces a
 *   SharedArrayBuffer in a cause or a property by a description, so the
 *   exception still arrives (default `thread`)
 */
export function encodeError(thrown: unknown, boundary: Boundary = 'thread'): EncodedError {
  try {
    return encodeTree(thrown, boundary);
  } catch (err) {
    // Our own walk failed on something we did not foresee: send what can be read.
    return fallbackEncoding(thrown, err);
  }
}

/** Encodes the error and its causes breadth by breadth, with an explicit stack (no recursion). */
function encodeTree(thrown: unknown, boundary: Boundary): EncodedError {
  const root = encodeOne(thrown, 0, 'the exception', boundary);
  let nodes = 1;
  const pending: Array<{ encoded: EncodedErrorNode; error: unknown; level: number; path: string }> = [];
  if (root.kind === 'error') pending.push({ encoded: root, error: thrown, level: 0, path: 'the exception' });
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { encoded, error, level } = item;
    // undefined: the budget is spent, and a marker stands in for this child and the rest.
    const child = (value: unknown, key: string): EncodedError => {
      nodes += 1;
      if (level + 1 > kMaxCauseDepth || nodes > kMaxErrorNodes) return markerEncoding(level + 1);
      // A path names where an unsendable part was (only its ends past a few levels: the chain can be 100 deep).
      const path = level < 6 ? `${item.path}${key}` : `the exception…(level ${level + 1})${key}`;
      const next = encodeOne(value, level + 1, path, boundary);
      if (next.kind === 'error') pending.push({ encoded: next, error: value, level: level + 1, path });
      return next;
    };
    if (encoded.hasCause) encoded.cause = child(read(error, 'cause'), '.cause');
    if (encoded.ctor === 'AggregateError') {
      const errors = read(error, 'errors');
      if (Array.isArray(errors)) {
        encoded.errors = [];
        for (const e of errors) {
          if (nodes >= kMaxErrorNodes) {
            // One marker for the rest: a million errors must not make a million markers.
            encoded.errors.push(markerEncoding(level + 1));
            break;
          }
          encoded.errors.push(child(e, `.errors[${encoded.errors.length}]`));
        }
      }
    }
  }
  return root;
}

/**
 * One error, without its cause and errors (the caller adds those).
 * `path` names it in a message (`the exception.cause`).
 */
function encodeOne(thrown: unknown, level: number, path: string, boundary: Boundary): EncodedError {
  if (!isError(thrown)) {
    if (thrown === null || (typeof thrown !== 'object' && typeof thrown !== 'function' && typeof thrown !== 'symbol')) return { kind: 'value', value: thrown };
    const where = level === 0 ? 'the thrown value' : path;
    const { bad, unchecked } = checkCloneable(thrown, where, undefined, kMaxCloneDepth - kEnvelope - kLevelCost * level, boundary);
    if (bad === undefined && !unchecked) return { kind: 'value', value: thrown };
    // What cannot cross arrives as an Error that says so (the thread pool makes it a DataCloneError).
    return {
      kind: 'error',
      ctor: 'Error',
      name: 'DataCloneError',
      message: `an exception cannot be cloned to the other side: ${bad ?? 'the thrown value is too big to check'}`,
      hasCause: false,
      props: {},
    };
  }
  const props: Record<string, unknown> = {};
  let keys: string[] = [];
  try {
    keys = Object.keys(thrown);
  } catch {
    // A hostile object: no properties, the rest still arrives.
  }
  for (const key of keys) {
    if (kReserved.has(key)) continue;
    let value: unknown;
    try {
      value = (thrown as unknown as Record<string, unknown>)[key];
    } catch (err) {
      value = `[unreadable: ${safeString(() => (isError(err) ? err.message : err), 'getter threw')}]`;
    }
    defineData(props, key, cloneableOrDescription(value, `${path}.${key}`, kMaxCloneDepth - kEnvelope - kLevelCost * (level + 1), boundary), true);
  }
  const stack = read(thrown, 'stack');
  return {
    kind: 'error',
    ctor: builtinName(thrown),
    name: safeString(() => read(thrown, 'name'), 'Error'),
    message: safeString(() => read(thrown, 'message'), ''),
    stack: typeof stack === 'string' ? stack : undefined,
    hasCause: hasOwn(thrown, 'cause'),
    props,
  };
}

/** What stands where a chain was cut. */
function markerEncoding(depth: number): EncodedError {
  return { kind: 'error', ctor: 'Error', name: 'Error', message: cutMessage(depth), hasCause: false, props: {} };
}

function fallbackEncoding(thrown: unknown, err: unknown): EncodedError {
  return {
    kind: 'error',
    ctor: 'Error',
    name: safeString(() => read(thrown, 'name'), 'Error'),
    message: `${safeString(() => read(thrown, 'message'), '')} (rxfutures could not read all of this exception: ${describeThrown(err)})`,
    stack: safeString(() => read(thrown, 'stack'), ''),
    hasCause: false,
    props: {},
  };
}

/** Rebuilds an exception encoded by {@link encodeError}, in this realm. Never throws. */
export function decodeError(encoded: unknown): unknown {
  try {
    return decodeTree(encoded);
  } catch (err) {
    return notRebuilt(`decoding failed: ${describeThrown(err)}`);
  }
}

/** Rebuilds top-down with an explicit stack: each error is made, then its causes are attached. */
function decodeTree(encoded: unknown): unknown {
  let result: unknown;
  const pending: Array<{ encoded: unknown; level: number; attach: (value: unknown) => void }> = [
    { encoded, level: 0, attach: (value) => (result = value) },
  ];
  // Children are counted when they are queued, so the errors made stay within kMaxErrorNodes (+ markers).
  let queued = 1;
  // Structured clone keeps shared references: a hostile peer can hand every node the same huge `props`.
  // Our encoder never shares one, so each is copied once — the work stays linear in what was received.
  const propsSeen = new Set<object>();
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (item.level > kMaxCauseDepth) {
      item.attach(new Error(cutMessage(item.level)));
      continue;
    }
    const node = checkNode(item.encoded);
    if (typeof node === 'string') {
      item.attach(notRebuilt(node));
      continue;
    }
    if (node.kind === 'value') {
      item.attach(node.value);
      continue;
    }
    const fresh = node.props !== undefined && !propsSeen.has(node.props);
    if (fresh) propsSeen.add(node.props!);
    const error = rebuildOne(node, fresh);
    item.attach(error);
    const level = item.level + 1;
    if (node.hasCause) {
      const attach = (cause: unknown): void => defineData(error, 'cause', cause, false);
      if (queued++ >= kMaxErrorNodes) attach(new Error(cutMessage(level)));
      else pending.push({ encoded: node.cause, level, attach });
    }
    if (node.errors !== undefined) {
      const errors: unknown[] = [];
      defineData(error, 'errors', errors, false);
      for (let i = 0; i < node.errors.length; i++) {
        if (queued++ >= kMaxErrorNodes) {
          // One marker for the rest.
          errors[i] = new Error(cutMessage(level));
          break;
        }
        pending.push({ encoded: node.errors[i], level, attach: (value) => (errors[i] = value) });
      }
    }
  }
  return result;
}

/** The fields of one encoded node, validated; a string says what is wrong. */
type CheckedNode =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; ctor: string; name: string; message: string; stack?: string; hasCause: boolean; cause: unknown; props: object | undefined; errors?: unknown[] };

function checkNode(encoded: unknown): CheckedNode | string {
  if (encoded === null || typeof encoded !== 'object') return `expected an encoded exception, got ${describeType(encoded)}`;
  const kind = ownData(encoded, 'kind');
  if (kind === 'value') return { kind: 'value', value: ownData(encoded, 'value') };
  if (kind !== 'error') return `unknown kind of encoded exception ${describeType(kind)}`;
  const name = ownData(encoded, 'name');
  const message = ownData(encoded, 'message');
  if (typeof name !== 'string') return `an encoded error whose name is ${describeType(name)}`;
  if (typeof message !== 'string') return `an encoded error named ${JSON.stringify(name)} whose message is ${describeType(message)}`;
  const ctor = ownData(encoded, 'ctor');
  const stack = ownData(encoded, 'stack');
  const props = ownData(encoded, 'props');
  const errors = ownData(encoded, 'errors');
  return {
    kind: 'error',
    ctor: typeof ctor === 'string' ? ctor : 'Error',
    name,
    message,
    stack: typeof stack === 'string' ? stack : undefined,
    hasCause: ownData(encoded, 'hasCause') === true,
    cause: ownData(encoded, 'cause'),
    props: props !== null && typeof props === 'object' ? props : undefined,
    errors: ctor === 'AggregateError' && Array.isArray(errors) ? errors : ctor === 'AggregateError' ? [] : undefined,
  };
}

/** One error of the right built-in class, with its name, stack and (`withProps`) own properties. */
function rebuildOne(node: Extract<CheckedNode, { kind: 'error' }>, withProps: boolean): Error {
  const Ctor = node.ctor === 'AggregateError' ? undefined : (kBuiltins.get(node.ctor) ?? Error);
  const error = Ctor === undefined ? new AggregateError([], node.message) : new Ctor(node.message);
  if (error.name !== node.name) defineData(error, 'name', node.name, false);
  if (node.stack !== undefined) defineData(error, 'stack', node.stack, false);
  if (withProps && node.props !== undefined) {
    for (const key of Object.keys(node.props)) {
      if (kReserved.has(key)) continue;
      defineData(error, key, ownData(node.props, key), true);
    }
  }
  return error;
}

/** What a part that cannot be rebuilt becomes: a plain Error that says so. */
function notRebuilt(what: string): Error {
  return new Error(`rxfutures could not rebuild an exception from the other side: ${what}`);
}

/** The nearest built-in class of an error (a subclass of TypeError encodes as TypeError). */
function builtinName(error: object): string {
  try {
    if (error instanceof AggregateError) return 'AggregateError';
    for (const [name, Ctor] of kBuiltins) if (name !== 'Error' && error instanceof Ctor) return name;
  } catch {
    // A Proxy whose getPrototypeOf throws: a plain Error.
  }
  // Errors from another realm (vm contexts) fail instanceof; trust their name if it is a built-in's.
  const name = safeString(() => read(error, 'name'), 'Error');
  return kBuiltins.has(name) || name === 'AggregateError' ? name : 'Error';
}

/** Keeps a value if it can cross (within `maxDepth` levels), else a description so the error still arrives. */
function cloneableOrDescription(value: unknown, path: string, maxDepth: number, boundary: Boundary): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return value;
  const { bad, unchecked } = checkCloneable(value, path, undefined, Math.max(1, maxDepth), boundary);
  if (bad !== undefined) return `[uncloneable: ${bad}]`;
  // Too big to check whole: an exception's property should not be that big anyway.
  if (unchecked) return '[not sent: too big to check]';
  return value;
}

function isError(value: unknown): value is Error {
  try {
    return value instanceof Error || types.isNativeError(value);
  } catch {
    return types.isNativeError(value);
  }
}

/** Reads a property of a thrown value; a getter that throws reads as undefined. */
function read(target: unknown, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function hasOwn(target: object, key: string): boolean {
  try {
    return Object.hasOwn(target, key);
  } catch {
    return false;
  }
}

/** An own data property's value; never runs a getter, never reads the prototype. */
function ownData(target: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

/** Defines an own data property: a key `__proto__` stays a key. */
function defineData(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable });
}

function safeString(readValue: () => unknown, fallback: string): string {
  try {
    const value = readValue();
    return value === undefined ? fallback : String(value);
  } catch {
    return fallback;
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object' || typeof value === 'function') return typeof value;
  return `${typeof value} ${String(value)}`;
}
