import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { cutMessage, decodeError, encodeError, kMaxCauseDepth, kMaxErrorNodes } from '../../lib/internal/errorCodec';

/** Every name a plain object inherits, and `__proto__`: the names a `table[name]` lookup gets wrong. */
const kPrototypeNames = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

/** An error whose `name` is set as the task would set it. */
function named(name: string, Base: ErrorConstructor = Error): Error {
  const error = new Base('x');
  Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  return error;
}

/** Encodes, sends through structured clone (as a worker would) and decodes. */
function roundTrip(thrown: unknown): any {
  return decodeError(structuredClone(encodeError(thrown)));
}

/** An error with a cause chain `depth` levels deep, built without recursion. */
function deepCauses(depth: number): Error {
  let error = new Error('root');
  for (let i = 1; i <= depth; i++) error = new Error(`level ${depth - i}`, { cause: error });
  return error;
}

/** The chain of causes of `error`, followed without recursion. */
function chainOf(error: any): any[] {
  const chain = [];
  for (let e = error; e !== undefined; e = e.cause) chain.push(e);
  return chain;
}

/** @test {errorCodec} */
describe('errorCodec', () => {
  describe('a round trip', () => {
    it('should keep the class, name, message, stack, cause and own properties', () => {
      const root = new RangeError('offset out of range');
      const error = Object.assign(new TypeError('bad input', { cause: root }), { code: 'E_BAD', details: { n: 1 } });
      const back = roundTrip(error);
      expect(back).toBeInstanceOf(TypeError);
      expect(back.message).toBe('bad input');
      expect(back.stack).toBe(error.stack);
      expect(back.cause).toBeInstanceOf(RangeError);
      expect(back.cause.message).toBe('offset out of range');
      expect({ ...back }).toEqual({ code: 'E_BAD', details: { n: 1 } });
    });

    it('should rebuild an AggregateError with its errors', () => {
      const back = roundTrip(new AggregateError([new TypeError('a'), 'b'], 'both'));
      expect(back).toBeInstanceOf(AggregateError);
      expect(back.errors[0]).toBeInstanceOf(TypeError);
      expect(back.errors[1]).toBe('b');
    });

    it('should pass a thrown non-Error as it was thrown', () => {
      expect(roundTrip({ code: 7 })).toEqual({ code: 7 });
      expect(roundTrip('plain')).toBe('plain');
      expect(roundTrip(undefined)).toBeUndefined();
    });
  });

  describe('names looked up by own property only', () => {
    it.each(kPrototypeNames)('should rebuild an Error named %s with exactly that name', (name) => {
      const back = roundTrip(named(name));
      expect(back).toBeInstanceOf(Error);
      expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
      expect(typeof back.name).toBe('string');
      expect(back.name).toBe(name);
      expect(back.message).toBe('x');
    });

    it.each(kPrototypeNames)('should rebuild a TypeError named %s as a TypeError', (name) => {
      const back = roundTrip(named(name, TypeError));
      expect(back).toBeInstanceOf(TypeError);
      expect(back.name).toBe(name);
    });

    it.each(kPrototypeNames)('should treat an encoded class %s as a plain Error', (ctor) => {
      const back: any = decodeError({ kind: 'error', ctor, name: 'Boom', message: 'm', hasCause: false, props: {} });
      expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
      expect(back.name).toBe('Boom');
      expect(back.message).toBe('m');
    });
  });

  describe('properties are own data properties', () => {
    it('should keep a __proto__ key as a key, never as the prototype', () => {
      // JSON.parse makes an own "__proto__" key, as Redis data and structured clone can.
      const props = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"name": "Evil"}, "code": 1}');
      const back: any = decodeError({ kind: 'error', ctor: 'Error', name: 'Error', message: 'm', hasCause: false, props });
      expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
      expect(back).toBeInstanceOf(Error);
      expect(back.polluted).toBeUndefined();
      expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.getOwnPropertyDescriptor(back, 'constructor')?.value).toEqual({ name: 'Evil' });
      expect(back.code).toBe(1);
      expect(({} as any).polluted).toBeUndefined();
    });

    it('should carry a thrown error own __proto__ property across without changing either prototype', () => {
      const error = new Error('x');
      Object.defineProperty(error, '__proto__', { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
      const encoded: any = encodeError(error);
      expect(Object.getPrototypeOf(encoded.props)).toBe(Object.prototype);
      const back: any = decodeError(structuredClone(encoded));
      expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
      expect(back.polluted).toBeUndefined();
    });

    it('should not let props override name, message, stack or cause', () => {
      const back: any = decodeError({
        kind: 'error',
        ctor: 'Error',
        name: 'Real',
        message: 'real',
        hasCause: false,
        props: { name: 'Fake', message: 'fake', cause: 'fake', stack: 'fake' },
      });
      expect(back.name).toBe('Real');
      expect(back.message).toBe('real');
      expect('cause' in back).toBe(false);
    });
  });

  describe('an untrusted encoding', () => {
    const hostile: Array<[string, unknown]> = [
      ['null', null],
      ['a number', 5],
      ['a string', 'error'],
      ['an unknown kind', { kind: 'exploit' }],
      ['no kind', {}],
      ['a name that is not a string', { kind: 'error', ctor: 'Error', name: { toString: 1 }, message: 'm', hasCause: false, props: {} }],
      ['a message that is not a string', { kind: 'error', ctor: 'Error', name: 'E', message: 42, hasCause: false, props: {} }],
      ['props that are not an object', { kind: 'error', ctor: 'Error', name: 'E', message: 'm', hasCause: false, props: 7 }],
      ['errors that are not an array', { kind: 'error', ctor: 'AggregateError', name: 'E', message: 'm', hasCause: false, props: {}, errors: 'x' }],
      ['a cause that is not an encoding', { kind: 'error', ctor: 'Error', name: 'E', message: 'm', hasCause: true, cause: 12, props: {} }],
      ['a getter for the name', { kind: 'error', ctor: 'Error', get name() { throw new Error('getter ran'); }, message: 'm', hasCause: false, props: {} }],
      ['a getter among the props', { kind: 'error', ctor: 'Error', name: 'E', message: 'm', hasCause: false, props: { get code() { throw new Error('getter ran'); } } }],
      ['a Proxy that throws on every trap', new Proxy({}, { getOwnPropertyDescriptor() { throw new Error('trap'); }, get() { throw new Error('trap'); } })],
    ];

    it.each(hostile)('should not throw on %s, and give an Error', (_, encoded) => {
      let back: unknown;
      expect(() => (back = decodeError(encoded))).not.toThrow();
      // A cause that is not an encoding is itself replaced: the outer error still arrives.
      expect(back instanceof Error || (back as any)?.cause instanceof Error).toBe(true);
    });

    it('should say what could not be rebuilt', () => {
      const back: any = decodeError({ kind: 'error', ctor: 'Error', name: 7, message: 'm' });
      expect(back.message).toBe('rxfutures could not rebuild an exception from the other side: an encoded error whose name is number 7');
    });

    it('should cut a cause cycle at the bound', () => {
      const node: any = { kind: 'error', ctor: 'Error', name: 'E', message: 'loop', hasCause: true, props: {} };
      node.cause = node;
      const chain = chainOf(decodeError(node));
      expect(chain).toHaveLength(kMaxCauseDepth + 2);
      expect(chain.at(-1).message).toBe(cutMessage(kMaxCauseDepth + 1));
    });

    it('should bound an AggregateError fan-out (a DAG that doubles at every level)', () => {
      let node: any = { kind: 'error', ctor: 'Error', name: 'E', message: 'leaf', hasCause: false, props: {} };
      for (let i = 0; i < 40; i++) node = { kind: 'error', ctor: 'AggregateError', name: 'AggregateError', message: `${i}`, hasCause: false, props: {}, errors: [node, node] };
      const made = new Set<unknown>();
      const stack = [decodeError(node)];
      for (let e: any = stack.pop(); e !== undefined; e = stack.pop()) {
        if (made.has(e)) continue;
        made.add(e);
        if (Array.isArray(e.errors)) stack.push(...e.errors);
      }
      // kMaxErrorNodes, plus the markers where the budget ran out (one per cut list).
      expect(made.size).toBeLessThanOrEqual(kMaxErrorNodes + 50);
      expect(made.size).toBeGreaterThan(kMaxErrorNodes / 2);
    });

    it('should copy a props object shared by every error of a fan-out once, so the work stays linear in what was received', () => {
      const props = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
      let node: any = { kind: 'error', ctor: 'Error', name: 'E', message: 'leaf', hasCause: false, props };
      for (let i = 0; i < 40; i++) node = { kind: 'error', ctor: 'AggregateError', name: 'AggregateError', message: `${i}`, hasCause: true, cause: node, props, errors: [node, node] };
      const start = performance.now();
      const error: any = decodeError(node);
      // ~1,000 errors × 100,000 properties (1e8 defineProperty calls, tens of seconds) before; one copy now.
      expect(performance.now() - start).toBeLessThan(2_000);
      expect(error.message).toBe('39');
      expect(error.k99999).toBe(99_999);
      expect(Object.keys(error.cause)).toEqual([]);
    });

    it.each([10_000, 50_000])('should decode a hand-made %i-deep encoded chain without recursion, cut with a marker', (depth) => {
      let node: any = { kind: 'error', ctor: 'Error', name: 'E', message: 'root', hasCause: false, props: {} };
      for (let i = 0; i < depth; i++) node = { kind: 'error', ctor: 'RangeError', name: 'RangeError', message: `${i}`, hasCause: true, cause: node, props: {} };
      const chain = chainOf(decodeError(node));
      expect(chain).toHaveLength(kMaxCauseDepth + 2);
      expect(chain[0]).toBeInstanceOf(RangeError);
      expect(chain.at(-1).message).toBe(cutMessage(kMaxCauseDepth + 1));
    });
  });

  describe('encoding', () => {
    it.each([10_000, 50_000])('should cut a %i-deep cause chain at kMaxCauseDepth with a marker, without recursion', (depth) => {
      const encoded = encodeError(deepCauses(depth));
      // The encoding crosses: structured clone rebuilds it (it would overflow at ~2,000 levels).
      const chain = chainOf(decodeError(structuredClone(encoded)));
      expect(chain).toHaveLength(kMaxCauseDepth + 2);
      expect(chain[1].message).toBe('level 1');
      expect(chain.at(-1).message).toBe(cutMessage(kMaxCauseDepth + 1));
    });

    it('should describe a property too deep to cross instead of sending it', () => {
      let list: any = null;
      for (let i = 0; i < 2000; i++) list = { value: i, next: list };
      const back = roundTrip(Object.assign(new Error('x'), { list, ok: 1 }));
      expect(back.ok).toBe(1);
      expect(back.list).toMatch(/^\[uncloneable: the exception\.list(\.next)+…\(\d+ more\)…(\.next)+ is nested more than \d+ levels deep/);
    });

    it('should describe a thrown value too deep to cross', () => {
      let list: any = null;
      for (let i = 0; i < 5000; i++) list = { value: i, next: list };
      const back = roundTrip(list);
      expect(back).toBeInstanceOf(Error);
      expect(back.name).toBe('DataCloneError');
      expect(back.message).toMatch(/^an exception cannot be cloned to the other side: the thrown value(\.next)+.* is nested more than \d+ levels deep/);
    });

    it('should read around throwing getters and Proxies', () => {
      const error = new Error('x');
      Object.defineProperty(error, 'code', { enumerable: true, get: () => { throw new Error('no code'); } });
      Object.defineProperty(error, 'name', { get: () => { throw new Error('no name'); } });
      const back = roundTrip(error);
      expect(back.code).toBe('[unreadable: no code]');
      expect(back.name).toBe('Error');
      const trap = () => { throw new Error('trap'); };
      const proxy = new Proxy(new Error('p'), { get: trap, ownKeys: trap, getPrototypeOf: trap, has: trap, getOwnPropertyDescriptor: trap });
      expect(() => structuredClone(encodeError(proxy))).not.toThrow();
      expect(roundTrip(proxy)).toBeInstanceOf(Error);
    });

    it('should bound an AggregateError of a million errors', () => {
      // Thrown values need no stack: numbers keep the spec quick.
      const errors = Array.from({ length: 1_000_000 }, (_, i) => i);
      const encoded: any = encodeError(new AggregateError(errors, 'many'));
      expect(encoded.errors.length).toBeLessThanOrEqual(kMaxErrorNodes + 1);
      const back = roundTrip(new AggregateError(errors, 'many'));
      expect(back.errors.at(-1).message).toBe(cutMessage(1));
    });

    it('should replace a SharedArrayBuffer in a cause or a property by a description when the error goes to another process', () => {
      const thrown = Object.assign(new TypeError('kept', { cause: { memory: new SharedArrayBuffer(8) } }), { code: 'E', view: new Uint8Array(new SharedArrayBuffer(2)) });
      // Between threads it is shared, as it is.
      expect(roundTrip(thrown).view).toBeInstanceOf(Uint8Array);
      const encoded = encodeError(thrown, 'process');
      const back: any = decodeError(deserialize(serialize(encoded)));
      expect(back).toBeInstanceOf(TypeError);
      expect([back.message, back.code]).toEqual(['kept', 'E']);
      expect(back.view).toBe('[uncloneable: the exception.view is a view (Uint8Array) of a SharedArrayBuffer, which cannot be shared with another process]');
      expect(back.cause.name).toBe('DataCloneError');
      expect(back.cause.message).toBe('an exception cannot be cloned to the other side: the exception.cause.memory is a SharedArrayBuffer, which cannot be shared with another process');
    });

    it('should make an encoding that JSON carries too (the queue)', () => {
      const back: any = decodeError(JSON.parse(JSON.stringify(encodeError(named('hasOwnProperty', TypeError)))));
      expect(back).toBeInstanceOf(TypeError);
      expect(back.name).toBe('hasOwnProperty');
    });
  });
});
