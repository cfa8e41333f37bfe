import { TimeoutError as RxTimeoutError } from 'rxjs';
import * as errors from '../lib/errors';
import {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  DataCloneError,
  InvalidStateError,
  ShutdownError,
  TimeoutError,
  WorkerExitError,
} from '../lib/errors';
import * as rxfutures from '../lib/index';
import { runInPlainNode } from './helpers/futures';

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

const CLASSES: Array<[name: string, ErrorClass, defaultMessage: RegExp]> = [
  ['CancelledError', CancelledError, /cancelled/],
  ['TimeoutError', TimeoutError, /timed out/],
  ['InvalidStateError', InvalidStateError, /invalid state/],
  ['ShutdownError', ShutdownError, /^cannot schedule new futures after shutdown$/],
  ['DataCloneError', DataCloneError, /cloned/],
  ['BrokenExecutor', BrokenExecutor, /broken/],
  ['BrokenThreadPool', BrokenThreadPool, /^a thread initializer failed, the thread pool is not usable anymore$/],
  ['BrokenProcessPool', BrokenProcessPool, /terminated abruptly/],
  ['WorkerExitError', WorkerExitError, /worker running this task exited/],
];

const BROKEN: Array<[string, ErrorClass]> = [
  ['BrokenThreadPool', BrokenThreadPool],
  ['BrokenProcessPool', BrokenProcessPool],
  ['WorkerExitError', WorkerExitError],
];

/** @test {errors} */
describe('errors', () => {
  describe.each(CLASSES)('%s', (name, ErrorClass, defaultMessage) => {
    it('should be an Error with its own name', () => {
      const error = new ErrorClass();
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error.name).toBe(name);
      expect(ErrorClass.name).toBe(name);
    });

    it('should have a default message, and take another', () => {
      expect(new ErrorClass().message).toMatch(defaultMessage);
      expect(new ErrorClass('custom').message).toBe('custom');
    });

    it('should carry a cause', () => {
      const cause = new Error('underlying');
      expect(new ErrorClass('with cause', { cause }).cause).toBe(cause);
      expect(new ErrorClass('plain')).not.toHaveProperty('cause');
    });

    it('should show its name in toString() and its stack', () => {
      const error = new ErrorClass('shown');
      expect(String(error)).toBe(`${name}: shown`);
      expect(error.stack?.split('\n')[0]).toBe(`${name}: shown`);
    });

    it('should be exported from the package entry point as the same class', () => {
      expect((rxfutures as unknown as Record<string, unknown>)[name]).toBe(ErrorClass);
    });
  });

  it('should have a distinct name for every class', () => {
    const names = Object.values(errors).map((E) => new (E as ErrorClass)().name);
    expect(new Set(names).size).toBe(names.length);
  });

  describe('BrokenExecutor', () => {
    it.each(BROKEN)('should be the base class of %s', (_name, ErrorClass) => {
      const error = new ErrorClass();
      expect(error).toBeInstanceOf(BrokenExecutor);
      expect(error).toBeInstanceOf(Error);
    });

    it('should keep its subclasses apart', () => {
      expect(new BrokenThreadPool()).not.toBeInstanceOf(WorkerExitError);
      expect(new WorkerExitError()).not.toBeInstanceOf(BrokenThreadPool);
      expect(new BrokenProcessPool()).not.toBeInstanceOf(BrokenThreadPool);
      expect(new BrokenExecutor()).not.toBeInstanceOf(BrokenThreadPool);
    });

    it('should not be the base of the other errors', () => {
      for (const E of [CancelledError, TimeoutError, InvalidStateError, ShutdownError, DataCloneError]) {
        expect(new E()).not.toBeInstanceOf(BrokenExecutor);
      }
    });
  });

  describe('TimeoutError', () => {
    it("should be a class apart from RxJS's TimeoutError, imported side by side under an alias", () => {
      const ours = new TimeoutError();
      expect(ours).not.toBeInstanceOf(RxTimeoutError);
      expect(ours.name).toBe('TimeoutError');
      expect(rxfutures.TimeoutError).not.toBe(RxTimeoutError);
    });
  });

  it('should hold instanceof for every class in plain Node too, outside Jest', async () => {
    const { stdout } = await runInPlainNode(`
      const e = lib('errors');
      const out = {};
      for (const [name, E] of Object.entries(e)) {
        const x = new E('m', { cause: 1 });
        out[name] = [x instanceof Error, x instanceof e.BrokenExecutor, x.name, x.cause];
      }
      console.log(JSON.stringify(out));
    `);
    expect(JSON.parse(stdout)).toEqual({
      CancelledError: [true, false, 'CancelledError', 1],
      TimeoutError: [true, false, 'TimeoutError', 1],
      InvalidStateError: [true, false, 'InvalidStateError', 1],
      ShutdownError: [true, false, 'ShutdownError', 1],
      DataCloneError: [true, false, 'DataCloneError', 1],
      BrokenExecutor: [true, true, 'BrokenExecutor', 1],
      BrokenThreadPool: [true, true, 'BrokenThreadPool', 1],
      BrokenProcessPool: [true, true, 'BrokenProcessPool', 1],
      WorkerExitError: [true, true, 'WorkerExitError', 1],
    });
  });
});
