/**
 * Hostile values and errors for spec/reliability/hostileProperty.spec.ts
 * (issue #14): fast-check generates a plain JSON *recipe*, and
 * spec/fixtures/hostileTasks.ts builds the value from it — inside a worker
 * thread or child process for results, yields and exceptions (a Proxy, a
 * function or a WeakMap cannot cross as itself), on the main thread for
 * arguments.
 *
 * `verdictOf` says what the far side must make of a recipe: a value that
 * arrives whole, a `DataCloneError`, or (near the depth bound) either one.
 */
import fc from 'fast-check';

/** Every typed array class structured clone knows (those this Node has). */
export const kTypedArrays = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Float16Array',
].filter((name) => typeof (globalThis as Record<string, unknown>)[name] === 'function');

export type BufferKind = 'ArrayBuffer' | 'SharedArrayBuffer' | 'DataView' | (typeof kTypedArrays)[number];

/** The error classes a recipe can throw; `Subclass` is `class HostileError extends TypeError`. */
export const kErrorCtors = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError', 'Subclass'] as const;
export type ErrorCtor = (typeof kErrorCtors)[number];

/** Names a `table[name]` lookup gets wrong, built-in class names, and a few odd ones. */
export const kOddNames = [
  ...Object.getOwnPropertyNames(Object.prototype),
  '__proto__',
  'Error',
  'TypeError',
  'AggregateError',
  'DataCloneError',
  'AbortError',
  'WorkerExitError',
  '',
  ' ',
  'then',
  'prototype',
];

/** Keys an object recipe may use: ordinary ones and the ones a careless decoder trips on. */
const kKeys = ['a', 'b', 'value', 'next', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'then', 'code', '0', ''];

/** Proxy traps a recipe can make throw (`none`: a transparent Proxy). */
export const kTraps = ['none', 'get', 'ownKeys', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'has'] as const;

/** A plain-JSON description of a value (see spec/fixtures/hostileTasks.ts `build`). */
export type Recipe =
  | { t: 'prim'; v: string | number | boolean | null }
  | { t: 'special'; v: 'undefined' | 'NaN' | '-0' | 'Infinity' | 'bigint' | 'longString' }
  | { t: 'date'; ms: number }
  | { t: 'regexp'; source: string; flags: string }
  | { t: 'buffer'; kind: BufferKind; length: number }
  | { t: 'boxed'; kind: 'Boolean' | 'Number' | 'String' | 'BigInt' | 'Symbol' }
  | { t: 'array'; items: Recipe[] }
  | { t: 'sparse'; length: number; at: Recipe }
  | { t: 'object'; entries: Array<[string, Recipe]> }
  | { t: 'map'; entries: Array<[Recipe, Recipe]> }
  | { t: 'set'; items: Recipe[] }
  | { t: 'error'; ctor: ErrorCtor; name: string; message: string; cause?: Recipe; props: Array<[string, Recipe]>; errors?: Recipe[] }
  /** A chain `depth` levels deep of one shape, ending in `leaf`. */
  | { t: 'deep'; shape: 'list' | 'array' | 'map' | 'set' | 'cause' | 'errors'; depth: number; leaf: Recipe }
  /** A container holding `inner` and itself (for `cause`: an Error whose cause refers back to it). */
  | { t: 'cycle'; via: 'object' | 'array' | 'map' | 'set' | 'cause' | 'causeObject'; inner: Recipe }
  /** `{ ok: 1, get g() }`: the getter returns `inner`, or throws an Error, a symbol or a Proxy. */
  | { t: 'getter'; throws: 'none' | 'error' | 'symbol' | 'proxy'; inner: Recipe }
  /** A Proxy of an object, an array, an Error or a function, with one trap that throws. */
  | { t: 'proxy'; target: 'object' | 'array' | 'error' | 'function'; trap: (typeof kTraps)[number] }
  /** An Error whose name, message, stack or cause is a getter that throws. */
  | { t: 'errorGetter'; field: 'name' | 'message' | 'stack' | 'cause' }
  /** An object that inherits from Error.prototype without being an Error (cloned as a plain object), holding `inner`. */
  | { t: 'fakeError'; inner: Recipe }
  /** What structured clone refuses (`private`: a class instance with a #private field, which it copies as a plain object). */
  | { t: 'alien'; kind: 'function' | 'symbol' | 'WeakMap' | 'WeakSet' | 'WeakRef' | 'Promise' | 'private' };

/** How deep a chain goes: mostly shallow, often past the bound of 1,000, up to 50,000. */
const depthArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 800 }), weight: 3 },
  { arbitrary: fc.constantFrom(999, 1_000, 1_001, 1_960, 2_000, 3_300, 10_000, 20_000, 50_000), weight: 2 },
  { arbitrary: fc.integer({ min: 1_200, max: 50_000 }), weight: 2 },
);

const leafArb: fc.Arbitrary<Recipe> = fc.oneof(
  fc.record({ t: fc.constant('prim' as const), v: fc.oneof(fc.string({ maxLength: 8 }), fc.double(), fc.boolean(), fc.constant(null)) }),
  fc.record({ t: fc.constant('special' as const), v: fc.constantFrom('undefined' as const, 'NaN' as const, '-0' as const, 'Infinity' as const, 'bigint' as const, 'longString' as const) }),
  fc.record({ t: fc.constant('date' as const), ms: fc.oneof(fc.integer(), fc.constant(Number.NaN)) }),
  fc.record({ t: fc.constant('regexp' as const), source: fc.constantFrom('a+b', '^(x|y)*$', '\\d{2,}', '(?<n>.)\\k<n>'), flags: fc.constantFrom('', 'g', 'gimsuy', 'd') }),
  fc.record({ t: fc.constant('buffer' as const), kind: fc.constantFrom<BufferKind>('ArrayBuffer', 'SharedArrayBuffer', 'DataView', ...kTypedArrays), length: fc.nat({ max: 64 }) }),
  fc.record({ t: fc.constant('boxed' as const), kind: fc.constantFrom('Boolean' as const, 'Number' as const, 'String' as const, 'BigInt' as const, 'Symbol' as const) }),
  fc.record({ t: fc.constant('proxy' as const), target: fc.constantFrom('object' as const, 'array' as const, 'error' as const, 'function' as const), trap: fc.constantFrom(...kTraps) }),
  fc.record({ t: fc.constant('errorGetter' as const), field: fc.constantFrom('name' as const, 'message' as const, 'stack' as const, 'cause' as const) }),
  fc.record({ t: fc.constant('alien' as const), kind: fc.constantFrom('function' as const, 'symbol' as const, 'WeakMap' as const, 'WeakSet' as const, 'WeakRef' as const, 'Promise' as const, 'private' as const) }),
);

/** Recipes: leaves, containers of recipes, errors, deep chains, cycles and getters. */
export const recipeArb: fc.Arbitrary<Recipe> = fc.letrec<{ recipe: Recipe; error: Recipe }>((tie) => ({
  recipe: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leafArb, weight: 6 },
    { arbitrary: tie('error'), weight: 3 },
    { arbitrary: fc.record({ t: fc.constant('array' as const), items: fc.array(tie('recipe'), { maxLength: 3 }) }), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('sparse' as const), length: fc.constantFrom(10, 200_000, 2 ** 32 - 1), at: tie('recipe') }), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('object' as const), entries: fc.array(fc.tuple(fc.constantFrom(...kKeys), tie('recipe')), { maxLength: 3 }) }), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('map' as const), entries: fc.array(fc.tuple(tie('recipe'), tie('recipe')), { maxLength: 2 }) }), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('set' as const), items: fc.array(tie('recipe'), { maxLength: 2 }) }), weight: 1 },
    {
      arbitrary: fc.record({
        t: fc.constant('deep' as const),
        shape: fc.constantFrom('list' as const, 'array' as const, 'map' as const, 'set' as const, 'cause' as const, 'errors' as const),
        depth: depthArb,
        leaf: tie('recipe'),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('cycle' as const),
        via: fc.constantFrom('object' as const, 'array' as const, 'map' as const, 'set' as const, 'cause' as const, 'causeObject' as const),
        inner: tie('recipe'),
      }),
      weight: 1,
    },
    { arbitrary: fc.record({ t: fc.constant('fakeError' as const), inner: tie('recipe') }), weight: 1 },
    {
      arbitrary: fc.record({ t: fc.constant('getter' as const), throws: fc.constantFrom('none' as const, 'error' as const, 'symbol' as const, 'proxy' as const), inner: tie('recipe') }),
      weight: 1,
    },
  ),
  error: fc.record(
    {
      t: fc.constant('error' as const),
      ctor: fc.constantFrom(...kErrorCtors),
      name: fc.oneof(fc.constantFrom(...kOddNames), fc.string({ maxLength: 6 })),
      message: fc.string({ maxLength: 12 }),
      cause: tie('recipe'),
      props: fc.array(fc.tuple(fc.constantFrom('code', 'errno', 'detail', '__proto__', 'constructor', 'toString', 'valueOf'), tie('recipe')), { maxLength: 2 }),
      errors: fc.array(tie('recipe'), { maxLength: 2 }),
    },
    { requiredKeys: ['t', 'ctor', 'name', 'message', 'props'] },
  ),
})).recipe;

/** What a recipe's value must become once it crosses (as a result, a yield or an argument). */
export type Verdict = 'value' | 'DataCloneError' | 'either';

/** What one walk of a recipe found. */
interface Shape {
  /** Nesting levels as structured clone sees them. */
  depth: number;
  /** Something structured clone (or our check) refuses, whatever the depth. */
  refused: boolean;
  /** Contains an Error (its props are not cloned; compare names, not bytes). */
  lossy: boolean;
  /** Its fate is the serializer's to decide (a getter on an Error): either verdict is right. */
  unsure?: boolean;
}

/**
 * @param recipe - the value's recipe
 * @param boundary - `thread` (postMessage: a SharedArrayBuffer is shared) or `process` (v8.serialize: it is refused)
 */
export function verdictOf(recipe: Recipe, boundary: 'thread' | 'process'): { verdict: Verdict; comparable: boolean } {
  const shape = shapeOf(recipe, boundary);
  // The bound is 1,000 levels, plus the envelope a value travels in: 900 and 1,100 leave room for both.
  const verdict: Verdict = shape.refused || shape.depth > 1_100 ? 'DataCloneError' : shape.depth <= 900 && !shape.unsure ? 'value' : 'either';
  return { verdict, comparable: !shape.lossy };
}

function shapeOf(r: Recipe, boundary: 'thread' | 'process'): Shape {
  const leaf = (refused = false, lossy = false): Shape => ({ depth: 0, refused, lossy });
  const nest = (children: Shape[], extra = 1, lossy = false): Shape => ({
    depth: extra + Math.max(0, ...children.map((c) => c.depth)),
    refused: children.some((c) => c.refused),
    lossy: lossy || children.some((c) => c.lossy),
    unsure: children.some((c) => c.unsure),
  });
  switch (r.t) {
    case 'prim':
    case 'special':
    case 'date':
    case 'regexp':
      return leaf();
    case 'buffer':
      return leaf(boundary === 'process' && r.kind === 'SharedArrayBuffer');
    case 'boxed':
      return leaf(r.kind === 'Symbol');
    case 'array':
      return nest(r.items.map((x) => shapeOf(x, boundary)));
    case 'sparse':
      return nest([shapeOf(r.at, boundary)]);
    case 'object':
      // A key `__proto__` set by assignment changes the prototype instead (build() defines it as own data).
      // A repeated key keeps its last value.
      return nest([...new Map(r.entries).values()].map((x) => shapeOf(x, boundary)));
    case 'map':
      return nest(r.entries.flatMap(([k, x]) => [shapeOf(k, boundary), shapeOf(x, boundary)]));
    case 'set':
      return nest(r.items.map((x) => shapeOf(x, boundary)));
    case 'error':
      // Structured clone keeps an Error's name, message, stack and cause: only the cause can refuse or deepen it.
      return nest(r.cause === undefined ? [] : [shapeOf(r.cause, boundary)], 1, true);
    case 'deep': {
      const inner = shapeOf(r.leaf, boundary);
      // `errors` of an AggregateError are not cloned: the chain stops at the first.
      if (r.shape === 'errors') return { depth: 1, refused: false, lossy: true };
      return { depth: r.depth + inner.depth, refused: inner.refused, lossy: inner.lossy || r.shape === 'cause', unsure: inner.unsure };
    }
    case 'cycle': {
      const inner = shapeOf(r.inner, boundary);
      // V8 cannot rebuild an Error whose cause refers back to it: refused.
      const viaError = r.via === 'cause' || r.via === 'causeObject';
      return { depth: inner.depth + 2, refused: inner.refused || viaError, lossy: inner.lossy || viaError, unsure: inner.unsure };
    }
    case 'getter': {
      if (r.throws !== 'none') return leaf(true);
      return nest([shapeOf(r.inner, boundary)]);
    }
    case 'proxy':
      return leaf(true);
    case 'fakeError':
      return nest([shapeOf(r.inner, boundary)]);
    case 'errorGetter':
      // V8 reads `name` and `stack` through their getters (and meets the throw); it skips a `message` or `cause`
      // getter, but reading `stack` the first time formats it, which reads `message`: either may happen.
      return { depth: 1, refused: r.field === 'name' || r.field === 'stack', lossy: true, unsure: r.field === 'message' };
    case 'alien':
      return leaf(r.kind !== 'private');
  }
}

/** What a thrown recipe must become: its own error (by name and message), itself, a DataCloneError, or any failure. */
export type ThrownVerdict =
  | { kind: 'error'; name?: string; message?: string }
  | { kind: 'same'; comparable: boolean }
  | { kind: 'DataCloneError' }
  | { kind: 'anyFailure' };

/** @param boundary - as for {@link verdictOf} */
export function thrownVerdictOf(recipe: Recipe, boundary: 'thread' | 'process'): ThrownVerdict {
  switch (recipe.t) {
    case 'error':
      // A child process sends an exception with v8.serialize, which refuses a SharedArrayBuffer in its cause: the
      // whole exception then arrives as a DataCloneError (processPool/child.ts), a typed failure but not its own.
      if (boundary === 'process' && recipe.cause !== undefined && verdictOf(recipe.cause, 'thread').verdict !== verdictOf(recipe.cause, 'process').verdict) {
        return { kind: 'anyFailure' };
      }
      return { kind: 'error', name: recipe.name, message: recipe.message };
    case 'errorGetter':
    case 'fakeError':
      return { kind: 'error' };
    case 'proxy':
      return { kind: 'anyFailure' };
    case 'deep':
      if (recipe.shape === 'cause') return { kind: 'error', name: 'Error', message: `level ${recipe.depth - 1}` };
      if (recipe.shape === 'errors') return { kind: 'error', name: 'AggregateError', message: `level ${recipe.depth - 1}` };
      break;
    case 'cycle':
      if (recipe.via === 'cause' || recipe.via === 'causeObject') return { kind: 'error', name: 'Error', message: 'cyclic' };
      break;
    default:
  }
  const { verdict, comparable } = verdictOf(recipe, boundary);
  return verdict === 'value' ? { kind: 'same', comparable } : verdict === 'DataCloneError' ? { kind: 'DataCloneError' } : { kind: 'anyFailure' };
}
