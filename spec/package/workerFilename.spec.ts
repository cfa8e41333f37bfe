/**
 * The `workerFilename` option of both pools: checked at the edge (an absolute
 * path or a file: URL), and a file that is not there is a typed error on the
 * first submit that names it — not at construction, and never a hang.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrokenProcessPool, BrokenThreadPool, ProcessPoolExecutor, ThreadPoolExecutor } from 'rxfutures';

const root = path.join(__dirname, '../..');
const missing = path.join(os.tmpdir(), 'rxfutures-no-such-dir', 'rxfutures-worker.js');

describe('options.workerFilename', () => {
  it.each([
    ['ThreadPoolExecutor', (o: object) => new ThreadPoolExecutor(o)],
    ['ProcessPoolExecutor', (o: object) => new ProcessPoolExecutor(o)],
  ])('should refuse a relative path or a non-file URL on %s with a TypeError naming the option', (_name, make) => {
    expect(() => make({ workerFilename: './rxfutures-worker.js' })).toThrow(/options\.workerFilename must be an absolute path or a file: URL, got the relative path/);
    expect(() => make({ workerFilename: new URL('https://example.com/w.js') })).toThrow(/options\.workerFilename must be a file: URL/);
    expect(() => make({ workerFilename: 42 })).toThrow(TypeError);
  });

  it('should make the first submit of a thread pool throw BrokenThreadPool naming a missing entry and the fix', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1, workerFilename: missing });
    try {
      expect(() => pool.submit((x: number) => x, 1)).toThrow(BrokenThreadPool);
      expect(() => pool.submit((x: number) => x, 1)).toThrow(`the thread pool's worker entry was not found at ${missing}`);
      expect(() => pool.submit((x: number) => x, 1)).toThrow("emit 'rxfutures/worker' as an entry of its own");
    } finally {
      await pool.shutdown();
    }
  });

  it('should make the first submit of a process pool throw BrokenProcessPool naming a missing entry', async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1, workerFilename: pathToFileURL(missing) });
    try {
      expect(() => pool.submit({} as never)).toThrow(BrokenProcessPool);
      expect(() => pool.submit({} as never)).toThrow(`the process pool's child entry was not found at ${missing}`);
    } finally {
      await pool.shutdown();
    }
  });

  it('should run tasks on an entry named by file URL', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1, workerFilename: pathToFileURL(path.join(root, 'dist/cjs/rxfutures-worker.js')) });
    try {
      await expect(pool.submit((a: number, b: number) => a + b, 2, 3)).resolves.toBe(5);
    } finally {
      await pool.shutdown();
    }
  });
});
