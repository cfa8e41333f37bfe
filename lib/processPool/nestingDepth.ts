/**
 * How deep a value nests, measured without recursion (so measuring cannot
 * overflow the stack the way serializing can).
 *
 * V8's deserializer recurses once per level and overflows near 2,000 levels
 * of objects, while its serializer gets to about 3,000: a value between the
 * two leaves one side fine and kills the other. So both sides of the process
 * pool refuse what nests deeper than {@link kMaxNesting} before sending it.
 */
import { types } from 'node:util';

/** Values nested deeper than this are refused (with `DataCloneError`) in both directions. */
export const kMaxNesting = 1000;

// Arrays longer than this are walked by their own keys (as cloneCheck does).
const kDenseWalkLimit = 100_000;

// Only a short array takes the fast path: every() visits each index up to length.
const kFastPathLength = 1_000;

// Past this many objects we stop measuring; a value this big that is also this deep is left to the serializer.
const kMaxNodes = 1_000_000;

/**
 * @returns a description of the problem if `value` nests deeper than `max`, else undefined
 * @throws what a getter or a Proxy trap of `value` throws
 */
export function tooDeep(value: unknown, what: string, max = kMaxNesting): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // Fast path, taken by most calls: an argument list of primitives nests one level (a Set and a stack per
  // call were ~2 % of ProcessPoolExecutor.map's main thread on tiny items, issue #15).
  if (Array.isArray(value) && !types.isProxy(value) && value.length <= kFastPathLength && value.every(isLeaf)) return max < 1 ? tooDeepMessage(what, max) : undefined;
  const seen = new Set<object>();
  // Depth-first, with an explicit stack of [value, depth].
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    if (depth > max) return tooDeepMessage(what, max);
    seen.add(v);
    if (seen.size > kMaxNodes) return undefined;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp) continue;
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push([k, depth + 1], [x, depth + 1]);
    } else if (v instanceof Set) {
      for (const x of v) stack.push([x, depth + 1]);
    } else if (Array.isArray(v)) {
      // A sparse array (`a[2 ** 32 - 2] = x`) is walked by its own keys, not by its length.
      if (v.length <= kDenseWalkLimit) for (let i = 0; i < v.length; i++) stack.push([v[i], depth + 1]);
      else for (const key of Object.keys(v)) stack.push([v[Number(key)], depth + 1]);
    } else if (types.isNativeError(v)) {
      // V8 serialises an Error's name, message, stack and own data `cause`, never its other properties.
      const cause = Object.getOwnPropertyDescriptor(v, 'cause');
      if (cause !== undefined && 'value' in cause) stack.push([cause.value, depth + 1]);
    } else {
      for (const key of Object.keys(v)) stack.push([(v as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return undefined;
}

function isLeaf(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

function tooDeepMessage(what: string, max: number): string {
  return `${what} nests deeper than ${max} levels, which a process cannot read back`;
}
