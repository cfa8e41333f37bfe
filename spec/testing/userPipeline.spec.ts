/**
 * The example of docs/testing.md, verbatim but for import paths: a user's
 * own pipeline (fixtures/search.ts) marble-tested with VirtualExecutor,
 * running the real task module (fixtures/searchTasks.ts) in-process.
 */
import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { taskModule } from '../../lib';
import { VirtualExecutor } from '../../lib/testing';
import { searchResults$, thumbnails$ } from './fixtures/search';

const tasks = taskModule<typeof import('./fixtures/searchTasks')>(require.resolve('./fixtures/searchTasks'));

describe('a pipeline marble-tested with VirtualExecutor', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should cancel the search that a newer query replaces', () => {
    // A search takes two frames per character of the query.
    const executor = new VirtualExecutor({
      scheduler: testScheduler,
      maxWorkers: 2,
      duration: (task, args) => 2 * String(args[0]).length,
    });
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const queries = hot('-a--b-------------|', { a: 'rx', b: 'rxjs' });
      //                    debounced 'rx' at 3: search runs 3..7
      //                       debounced 'rxjs' at 6: 'rx' is interrupted; search runs 6..14
      const expected = '   --------------r---|';
      expectObservable(searchResults$(queries, executor, tasks.search)).toBe(expected, { r: ['rxjs'] });
      expectSubscriptions(queries.subscriptions).toBe('^-----------------!');
    });
    expect(executor.log.map((e) => [e.time, e.event, e.args[0]])).toEqual([
      [3, 'submitted', 'rx'],
      [3, 'started', 'rx'],
      [6, 'interrupted', 'rx'],
      [6, 'submitted', 'rxjs'],
      [6, 'started', 'rxjs'],
      [14, 'finished', 'rxjs'],
    ]);
  });

  it('should make thumbnails in order, two at a time, and stop the rest on take', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 4 });
    testScheduler.run(({ cold, expectObservable }) => {
      const names = cold('(abcdef|)', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f' });
      const expected = '  ----(AB)(C|)';
      const result = thumbnails$(names, executor, tasks.thumbnail).pipe(take(3));
      expectObservable(result).toBe(expected, { A: 'a.png', B: 'b.png', C: 'c.png' });
    });
    const events = (event: string) => executor.log.filter((e) => e.event === event).map((e) => e.args[0]);
    expect(events('submitted')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']); // buffersize 4, refilled as results arrive
    expect(events('finished')).toEqual(['a', 'b', 'c']);
    expect(events('interrupted')).toEqual(['d']);
    expect(events('cancelled')).toEqual(['f', 'e']);
  });
});
