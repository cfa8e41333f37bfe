import { checkPositiveInteger, checkPositiveIntegerOrInfinity, checkTimeout, describe as describeValue } from '../../lib/internal/validate';

/** @test {validate} */
describe('validate', () => {
  describe('checkTimeout', () => {
    it.each([undefined, null, 0, 0.5, 10, Infinity])('should accept %p', (value) => {
      expect(checkTimeout(value, 'timeout')).toBeUndefined();
    });

    it.each([-1, -0.1, -Infinity, NaN])('should return a RangeError naming the option for %p', (value) => {
      const error = checkTimeout(value, 'options.timeout');
      expect(error).toBeInstanceOf(RangeError);
      expect(error?.message).toBe(`options.timeout must be >= 0, got ${value}`);
    });

    it.each(['10', true, {}, 10n])('should return a TypeError for %p', (value) => {
      const error = checkTimeout(value, 'timeout');
      expect(error).toBeInstanceOf(TypeError);
      expect(error?.message).toMatch(/^timeout must be a number of milliseconds, got /);
    });
  });

  describe('checkPositiveInteger', () => {
    it.each([1, 2, 1000])('should accept %p', (value) => {
      expect(() => checkPositiveInteger(value, 'maxWorkers')).not.toThrow();
    });

    it.each([0, -1, 1.5, NaN, Infinity])('should throw RangeError naming the option for %p', (value) => {
      expect(() => checkPositiveInteger(value, 'maxWorkers')).toThrow(RangeError);
      expect(() => checkPositiveInteger(value, 'maxWorkers')).toThrow(`maxWorkers must be a positive integer, got ${value}`);
    });

    it.each(['2', undefined, null])('should throw TypeError for %p', (value) => {
      expect(() => checkPositiveInteger(value, 'maxWorkers')).toThrow(TypeError);
    });
  });

  describe('checkPositiveIntegerOrInfinity', () => {
    it('should accept Infinity and positive integers, and refuse the rest', () => {
      expect(() => checkPositiveIntegerOrInfinity(Infinity, 'maxQueue')).not.toThrow();
      expect(() => checkPositiveIntegerOrInfinity(3, 'maxQueue')).not.toThrow();
      expect(() => checkPositiveIntegerOrInfinity(-Infinity, 'maxQueue')).toThrow(RangeError);
      expect(() => checkPositiveIntegerOrInfinity(0, 'maxQueue')).toThrow(RangeError);
    });
  });

  describe('describe', () => {
    it.each<[unknown, string]>([
      [null, 'null'],
      [undefined, 'undefined'],
      [42, 'number 42'],
      ['abc', 'string "abc"'],
      ['x'.repeat(50), `string "${'x'.repeat(40)}…"`],
      [function named() {}, 'function named'],
      [() => 1, 'function (anonymous)'],
      [[1], 'object Array'],
      [Object.create(null), 'object Object'],
      [Symbol('s'), 'symbol Symbol(s)'],
      [5n, 'bigint 5'],
    ])('should describe %p as %p', (value, text) => {
      expect(describeValue(value)).toBe(text);
    });
  });
});
