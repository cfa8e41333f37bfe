/**
 * The Angular-style service of examples/angular-service, marble-tested on a
 * VirtualExecutor: its real task module runs in-process on virtual time.
 */
import { TestScheduler } from 'rxjs/testing';
import { VirtualExecutor } from '../../lib/testing';
import { PrimeService } from '../../examples/angular-service/PrimeService';

describe('PrimeService', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should answer isPrime after one task duration', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
    const service = new PrimeService(executor);
    testScheduler.run(({ expectObservable }) => {
      expectObservable(service.isPrime(97)).toBe('---(t|)', { t: true });
    });
  });

  it('should keep candidates in order, two workers at a time', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 2 });
    const service = new PrimeService(executor);
    testScheduler.run(({ cold, expectObservable }) => {
      const candidates = cold('(abcd|)', { a: 7, b: 8, c: 11, d: 12 });
      //                        a,b run 0..2; c,d run 2..4
      expectObservable(service.primesAmong(candidates)).toBe('----(r|)', { r: [7, 11] });
    });
    expect(executor.log.filter((e) => e.event === 'started').map((e) => e.time)).toEqual([0, 0, 2, 2]);
  });

  it('should cancel the work of an unsubscribed component and shut down on destroy', async () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 5 });
    const service = new PrimeService(executor);
    testScheduler.run(({ expectObservable }) => {
      expectObservable(service.isPrime(97), '--!').toBe('--');
    });
    expect(executor.log.map((e) => e.event)).toEqual(['submitted', 'started', 'interrupted']);
    await service.ngOnDestroy();
    expect(() => executor.submit((x: number) => x, 1)).toThrow(/shutdown/);
  });
});
