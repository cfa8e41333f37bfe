import { InterruptMemory } from '../../lib/queue/InterruptMemory';

/** @test {InterruptMemory} the worker's memory of interrupted job ids (issue #13). */
describe('InterruptMemory', () => {
  it('should remember an id for ttlMs, then forget it', () => {
    const memory = new InterruptMemory(10, 1000);
    memory.add('a', 0);
    expect(memory.has('a', 1000)).toBe(true);
    expect(memory.has('a', 1001)).toBe(false);
    expect(memory.size).toBe(0);
  });

  it('should hold at most capacity ids, forgetting the oldest first', () => {
    const memory = new InterruptMemory(3, 60_000);
    for (const id of ['a', 'b', 'c', 'd']) memory.add(id, 0);
    expect(['a', 'b', 'c', 'd'].map((id) => memory.has(id, 0))).toEqual([false, true, true, true]);
    expect(memory.size).toBe(3);
  });

  it('should keep an id sent again until its latest entry is forgotten', () => {
    const memory = new InterruptMemory(3, 1000);
    memory.add('a', 0);
    memory.add('b', 500);
    memory.add('a', 900);
    // The first 'a' expired, the second has not.
    expect(memory.has('a', 1200)).toBe(true);
    expect(memory.has('a', 1901)).toBe(false);
  });

  it('should stay within its capacity under a flood of distinct ids', () => {
    const memory = new InterruptMemory(10_000, 60_000);
    for (let i = 0; i < 100_000; i++) memory.add(`flood-${i}`, i);
    expect(memory.size).toBe(10_000);
    expect(memory.has('flood-89999', 100_000)).toBe(false);
    expect(memory.has('flood-90000', 100_000)).toBe(true);
  });
});
