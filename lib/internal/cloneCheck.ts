/**
 * Finds what structured clone would refuse, or what the receiving side could
 * not rebuild, and names it by path (`args[1].handler is a function`), so a
 * bad argument or result fails its own future with a clear message instead
 * of killing a worker, hanging a future or throwing inside Piscina's dispatch.
 *
 * The walk is iterative (a value 50,000 levels deep cannot overflow it) and
 * bounded: at most kMaxNodes objects are visited, depth first, so the
 * deepest path is met early.
 */

import { types } from 'node:util';
import { kTransfer } from './symbols';

/**
 * How deep a value may be nested to cross a boundary. V8's deserialiser
 * recurses once per level, and a thread's stack runs out before the
 * serialiser's does: on Node 20 (x64, default 984 KiB main-thread stack)
 * the main thread rebuilds a `{ value, next }` list about 1,960 levels deep,
 * a sparse array chain about 1,900, an array chain about 3,300, while a
 * worker (4 MiB stack) serialises far deeper. A value between the two limits
 * used to leave its future running for ever (Piscina drops `messageerror`).
 * 1,000 leaves a margin of almost 2 for the stack the receiver is already
 * using. Measured with spec/reliability/settles.spec.ts's depth probe and
 * documented in docs/reliability.md.
 */
export const kMaxCloneDepth = 1000;

// Beyond this many visited objects the walk stops: the caller decides what an
// unchecked rest means (the thread pool serialises such a value itself, see
// lib/threadPool/packValue.ts; elsewhere the send decides).
const kMaxNodes = 10_000;

// Argument lists and results up to this long are checked by the primitives-only fast path.
const kFastPathLength = 1_000;

// Arrays longer than this are walked by their own keys (a sparse `a[1e9] = x`
// must not loop a billion times).
const kDenseWalkLimit = 100_000;

// Prototypes of values structured clone is known to carry (with their contents checked by the walk).
const kPlainPrototypes = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
]);

/**
 * Which side a value crosses to. Between threads a SharedArrayBuffer is
 * shared; another process gets its bytes through `v8.serialize`, which
 * refuses one (and a typed array or DataView over one).
 */
export type Boundary = 'thread' | 'process';

/** What a walk found. */
export interface CloneCheck {
  /** The first problem, by path; undefined if none was found. */
  bad?: string;
  /** The walk stopped at its budget: part of the value was not checked. */
  unchecked: boolean;
}

/** One node still to visit: its value, and how to name it (built only on failure). */
interface Pending {
  value: unknown;
  parent: Pending | undefined;
  key: string;
  depth: number;
}

/**
 * @param value - the value to send
 * @param path - how to name its root in a message (`args`, `result`)
 * @param transferred - objects listed for transfer (they move rather than clone)
 * @param maxDepth - levels of nesting allowed (default {@link kMaxCloneDepth})
 * @param boundary - `process`: a SharedArrayBuffer is refused too (default `thread`)
 * @returns the first problem found, and whether the walk reached its budget
 */
export function checkCloneable(value: unknown, path: string, transferred?: readonly unknown[], maxDepth = kMaxCloneDepth, boundary: Boundary = 'thread'): CloneCheck {
  // Fast path, taken by most calls: primitives, or an argument list of primitives.
  if (isPlainPrimitive(value)) return kClean;
  if (isShortPrimitiveList(value)) return kClean;
  // A batch of such lists (map's chunks of one-argument calls): walking it node by node was ~6 % of
  // executor.map's main thread on tiny items (issue #15).
  if (Array.isArray(value) && !types.isProxy(value) && value.length <= kFastPathLength && value.every(isShortPrimitiveList)) return kClean;
  const seen = new Set<object>();
  const stack: Pending[] = [{ value, parent: undefined, key: path, depth: 0 }];
  let budget = kMaxNodes;
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const v = node.value;
    if (typeof v === 'function') return { bad: `${pathOf(node)} is a function${v.name ? ` (${v.name})` : ''}`, unchecked: false };
    if (typeof v === 'symbol') return { bad: `${pathOf(node)} is a symbol (${String(v)})`, unchecked: false };
    if (v === null || typeof v !== 'object') continue;
    if (types.isProxy(v)) return { bad: `${pathOf(node)} is a Proxy, which structured clone cannot copy`, unchecked: false };
    if (seen.has(v)) {
      // V8 serialises an Error whose cause leads back to it, but cannot rebuild it ("Unable to deserialize cloned data").
      if (types.isNativeError(v) && isAncestor(v, node)) {
        return { bad: `${pathOf(node)} refers back to an Error that contains it (through its cause), which the receiving side cannot rebuild`, unchecked: false };
      }
      continue;
    }
    if (--budget < 0) return { unchecked: true };
    seen.add(v);
    if (node.depth > maxDepth) {
      return {
        bad: `${pathOf(node)} is nested more than ${maxDepth} levels deep, deeper than the receiving side can rebuild`,
        unchecked: false,
      };
    }
    const bad = visit(v, node, stack, transferred, boundary);
    if (bad !== undefined) return { bad, unchecked: false };
  }
  return kClean;
}

/**
 * @param boundary - as for {@link checkCloneable}
 * @returns a description of the first uncloneable part of `value`, or
 *   undefined if it looks cloneable (or is too big to check whole: the send decides)
 */
export function findUncloneable(value: unknown, path: string, transferred?: readonly unknown[], boundary: Boundary = 'thread'): string | undefined {
  return checkCloneable(value, path, transferred, kMaxCloneDepth, boundary).bad;
}

const kClean: CloneCheck = Object.freeze({ unchecked: false });

/** Checks one object and pushes its children; returns a problem, if any. */
function visit(v: object, node: Pending, stack: Pending[], transferred: readonly unknown[] | undefined, boundary: Boundary): string | undefined {
  // Ports and buffers listed for transfer move rather than clone.
  if (transferred !== undefined && transferred.includes(v)) return undefined;
  if (boundary === 'process' && (types.isSharedArrayBuffer(v) || (ArrayBuffer.isView(v) && types.isSharedArrayBuffer(v.buffer)))) {
    const what = types.isSharedArrayBuffer(v) ? 'a SharedArrayBuffer' : `a view (${constructorName(v) ?? 'typed array'}) of a SharedArrayBuffer`;
    return `${pathOf(node)} is ${what}, which cannot be shared with another process`;
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || types.isSharedArrayBuffer(v) || v instanceof Date || v instanceof RegExp) return undefined;
  const read = (key: string | number): { value: unknown } | string => {
    try {
      return { value: (v as Record<string | number, unknown>)[key] };
    } catch (err) {
      return `${pathOf(node)}${typeof key === 'number' ? `[${key}]` : `.${key}`} cannot be read: its getter threw ${describeThrown(err)}`;
    }
  };
  const push = (value: unknown, key: string): void => {
    stack.push({ value, parent: node, key, depth: node.depth + 1 });
  };
  if ((v as Record<symbol, unknown>)[kTransfer] === true) {
    return `${pathOf(node)} is marked with transfer(), which works on top-level arguments (and a task's whole result) only`;
  }
  if (v instanceof Promise) return `${pathOf(node)} is a Promise (await it first)`;
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef || v instanceof FinalizationRegistry) {
    return `${pathOf(node)} is a ${v.constructor.name}`;
  }
  const ctor = constructorName(v);
  if (ctor === 'MessagePort') return `${pathOf(node)} is a MessagePort: pass ports with transfer() as a top-level argument`;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      push(x, `.get(${describeKey(k)})`);
      push(k, '.<key>');
    }
    return undefined;
  }
  if (v instanceof Set) {
    for (const x of v) push(x, '.<item>');
    return undefined;
  }
  if (Array.isArray(v)) {
    const indices = v.length <= kDenseWalkLimit ? undefined : Object.keys(v);
    const count = indices?.length ?? v.length;
    // Pushed last to first, so the walk visits them in order.
    for (let j = count - 1; j >= 0; j--) {
      const i = indices === undefined ? j : Number(indices[j]);
      const x = read(i);
      if (typeof x === 'string') return x;
      push(x.value, `[${i}]`);
    }
    return undefined;
  }
  if (types.isNativeError(v)) return errorProblem(v, node, push);
  if (!kPlainPrototypes.has(Object.getPrototypeOf(v))) {
    // A class instance or a host object: ask structured clone itself (clone errors name no path).
    try {
      structuredClone(v);
    } catch (err) {
      return `${pathOf(node)} (${ctor ?? 'object'}) cannot be cloned: ${describeThrown(err)}`;
    }
  }
  const keys = Object.keys(v);
  for (let j = keys.length - 1; j >= 0; j--) {
    const x = read(keys[j]);
    if (typeof x === 'string') return x;
    push(x.value, `.${keys[j]}`);
  }
  return undefined;
}

/**
 * What V8's serializer (WriteJSError) would trip on in a native Error: it
 * reads `name` and `stack` through getters and converts `name` (and an own
 * data `message`) to a string, so a getter or a `toString` that throws, or
 * a symbol, makes the whole message fail to send; it clones only an own
 * *data* `cause` (a getter is skipped), none of the other properties. An
 * object that merely inherits from Error.prototype is not a native Error:
 * V8 clones it as a plain object, and the walk checks it as one.
 */
function errorProblem(v: object, node: Pending, push: (value: unknown, key: string) => void): string | undefined {
  const at = (key: string): string => `${pathOf(node)}.${key}`;
  let name: unknown;
  let stack: unknown;
  try {
    name = (v as { name?: unknown }).name;
  } catch (err) {
    return `${at('name')} cannot be read: its getter threw ${describeThrown(err)}`;
  }
  const nameProblem = stringProblem(name, at('name'));
  if (nameProblem !== undefined) return nameProblem;
  const message = Object.getOwnPropertyDescriptor(v, 'message');
  if (message !== undefined && 'value' in message) {
    const messageProblem = stringProblem(message.value, at('message'));
    if (messageProblem !== undefined) return messageProblem;
  }
  try {
    stack = (v as { stack?: unknown }).stack;
  } catch (err) {
    return `${at('stack')} cannot be read: its getter threw ${describeThrown(err)}`;
  }
  void stack;
  const cause = Object.getOwnPropertyDescriptor(v, 'cause');
  if (cause !== undefined && 'value' in cause) push(cause.value, '.cause');
  return undefined;
}

/** Why `String(value)` would fail for the serializer, if it would. */
function stringProblem(value: unknown, path: string): string | undefined {
  if (typeof value === 'symbol') return `${path} is a symbol (${String(value)}), which cannot be made a string`;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  try {
    String(value);
    return undefined;
  } catch (err) {
    return `${path} cannot be made a string: ${describeThrown(err)}`;
  }
}

/** Whether `v` is on the path from the root to `node` (an Error still being serialised when `node` is reached). */
function isAncestor(v: object, node: Pending): boolean {
  for (let n = node.parent; n !== undefined; n = n.parent) if (n.value === v) return true;
  return false;
}

/** `args[0].a.b`, rebuilt from the parent links. */
function pathOf(node: Pending): string {
  const parts: string[] = [];
  for (let n: Pending | undefined = node; n !== undefined; n = n.parent) parts.push(n.key);
  // A path thousands of levels long says less than its two ends.
  if (parts.length > 12) return `${parts.slice(-6).reverse().join('')}…(${parts.length - 12} more)…${parts.slice(0, 6).reverse().join('')}`;
  return parts.reverse().join('');
}

function constructorName(v: object): string | undefined {
  try {
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

function describeKey(k: unknown): string {
  return typeof k === 'string' ? JSON.stringify(k) : typeof k === 'object' && k !== null ? 'object' : String(k);
}

/** A thrown value's message, read without risk. */
export function describeThrown(err: unknown): string {
  try {
    if (err instanceof Error || types.isNativeError(err)) return `${String((err as Error).name)}: ${String((err as Error).message)}`;
    return String(err);
  } catch {
    return 'an unreadable exception';
  }
}

// Only a short array: every() visits each index up to length, and a sparse `a[2 ** 32 - 2] = x` has 4 billion.
function isShortPrimitiveList(v: unknown): boolean {
  return Array.isArray(v) && !types.isProxy(v) && v.length <= kFastPathLength && v.every(isPlainPrimitive);
}

function isPlainPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol');
}
