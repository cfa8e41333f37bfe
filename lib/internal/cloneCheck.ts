/**
 * Finds what structured clone would refuse, and names it by path
 * (`args[1].handler is a function`), so a bad argument or result fails its
 * own future with a clear message instead of killing a worker or, worse,
 * throwing inside Piscina's dispatch.
 */

import { kTransfer } from './symbols';

// Beyond this many visited nodes we stop walking and let postMessage decide.
const kMaxNodes = 10_000;

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

/** @returns a description of the first uncloneable part of `value`, or undefined if it looks cloneable. */
export function findUncloneable(value: unknown, path: string, transferred?: readonly unknown[]): string | undefined {
  // Fast path, taken by most calls: primitives, or an argument list of primitives.
  if (isPlainPrimitive(value)) return undefined;
  if (Array.isArray(value) && value.every(isPlainPrimitive)) return undefined;
  const seen = new Set<object>();
  let budget = kMaxNodes;
  const visit = (v: unknown, p: string): string | undefined => {
    if (typeof v === 'function') return `${p} is a function${v.name ? ` (${v.name})` : ''}`;
    if (typeof v === 'symbol') return `${p} is a symbol (${String(v)})`;
    if (v === null || typeof v !== 'object') return undefined;
    if (seen.has(v) || --budget <= 0) return undefined;
    seen.add(v);
    // Ports and buffers listed for transfer move rather than clone.
    if (transferred !== undefined && transferred.includes(v)) return undefined;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp) return undefined;
    if ((v as Record<symbol, unknown>)[kTransfer] === true) {
      return `${p} is marked with transfer(), which works on top-level arguments (and a task's whole result) only`;
    }
    if (v instanceof Promise) return `${p} is a Promise (await it first)`;
    if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef || v instanceof FinalizationRegistry) {
      return `${p} is a ${v.constructor.name}`;
    }
    const ctor = (v as { constructor?: { name?: string } }).constructor?.name;
    if (ctor === 'MessagePort') return `${p} is a MessagePort: pass ports with transfer() as a top-level argument`;
    if (v instanceof Map) {
      for (const [k, x] of v) {
        const bad = visit(k, `${p}.<key>`) ?? visit(x, `${p}.get(${String(k)})`);
        if (bad) return bad;
      }
      return undefined;
    }
    if (v instanceof Set) {
      for (const x of v) {
        const bad = visit(x, `${p}.<item>`);
        if (bad) return bad;
      }
      return undefined;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const bad = visit(v[i], `${p}[${i}]`);
        if (bad) return bad;
      }
      return undefined;
    }
    if (v instanceof Error) return undefined;
    if (!kPlainPrototypes.has(Object.getPrototypeOf(v))) {
      // A class instance or a host object: ask structured clone itself (clone errors name no path).
      try {
        structuredClone(v);
      } catch (err) {
        return `${p} (${ctor ?? 'object'}) cannot be cloned: ${(err as Error)?.message ?? String(err)}`;
      }
      return undefined;
    }
    for (const key of Object.keys(v)) {
      const bad = visit((v as Record<string, unknown>)[key], `${p}.${key}`);
      if (bad) return bad;
    }
    return undefined;
  };
  return visit(value, path);
}

function isPlainPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol');
}
