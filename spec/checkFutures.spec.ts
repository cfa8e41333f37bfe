import { checkFutures } from '../lib/checkFutures';
import { PENDING_FUTURE, SUCCESSFUL_FUTURE } from './helpers/futures';

/** @test {checkFutures} */
describe('checkFutures', () => {
  it('should return the distinct futures in first-seen order', () => {
    const [a, b, c] = [PENDING_FUTURE(), SUCCESSFUL_FUTURE(), PENDING_FUTURE()];
    expect(checkFutures([a, b, a, c, b], 'wait')).toEqual([a, b, c]);
    expect(checkFutures(new Set([c, a]), 'wait')).toEqual([c, a]);
    expect(checkFutures([], 'wait')).toEqual([]);
  });

  it('should throw TypeError naming the caller and the index of a non-future', () => {
    expect(() => checkFutures([PENDING_FUTURE(), Promise.resolve()], 'wait')).toThrow(new TypeError('wait: fs[1] is not a Future, got object Promise'));
  });

  it.each([null, undefined, 3, {}])('should throw TypeError when fs is %p', (fs) => {
    expect(() => checkFutures(fs, 'asCompleted')).toThrow(/^asCompleted: fs must be an iterable of Futures, got /);
  });
});
