import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// bench/ is plain CommonJS run by `npm run bench`; its rule for calling a target met is tested here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readHistory, recordRun, consecutive } = require('../../bench/history') as {
  readHistory(file: string): Run[];
  recordRun(file: string, run: Run): Run[];
  consecutive(history: Run[], name: string): { runs: Array<{ met: boolean; figure: string } | undefined>; held: boolean };
};

interface Run {
  date: string;
  machine: string;
  load: number[];
  targets: Array<{ name: string; target: string; met: boolean; figure: string; value?: number }>;
}

const run = (machine: string, met: boolean, i: number): Run => ({
  date: new Date(Date.UTC(2026, 11, 6, 0, i)).toISOString(),
  machine,
  load: [1, 1],
  targets: [{ name: 'p50', target: '≤ 1.1×', met, figure: `${i}×`, value: i }],
});

/** docs/benchmarks.md calls a target met only when it held in three consecutive full runs (issue #15). */
describe('bench history', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-bench-history-'));
    file = path.join(dir, 'history.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('should call a target held only after three met runs in a row on the same machine', () => {
    let history = recordRun(file, run('A', true, 1));
    history = recordRun(file, run('A', true, 2));
    expect(consecutive(history, 'p50').held).toBe(false); // two runs are not three
    history = recordRun(file, run('B', true, 3));
    expect(consecutive(history, 'p50').held).toBe(false); // another machine's run starts its own count
    history = recordRun(file, run('A', true, 4));
    expect(consecutive(history, 'p50')).toEqual({ held: true, runs: [expect.objectContaining({ figure: '4×' }), expect.objectContaining({ figure: '2×' }), expect.objectContaining({ figure: '1×' })] });
    history = recordRun(file, run('A', false, 5));
    expect(consecutive(history, 'p50').held).toBe(false); // one miss breaks it
    expect(consecutive(history, 'no such target').held).toBe(false);
  });

  it('should keep the newest twelve runs and read a missing, corrupt or foreign file as none', () => {
    for (let i = 0; i < 15; i++) recordRun(file, run('A', true, i));
    expect(readHistory(file).map((r) => r.targets[0].value)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(readHistory(path.join(dir, 'missing.json'))).toEqual([]);
    fs.writeFileSync(file, '{ not json');
    expect(readHistory(file)).toEqual([]);
    fs.writeFileSync(file, JSON.stringify([{ machine: 'A' }, null, 7, run('A', true, 1)]));
    expect(readHistory(file)).toHaveLength(1);
  });
});
