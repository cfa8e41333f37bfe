import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '../..');
const demo = path.join(root, 'demo/search.ts');

/**
 * Runs the demo under tsx: the scans as `npm run demo` does (tsx's ES-module and CommonJS hooks), the
 * runs that only parse their arguments (--help, the refusals) under tsx's CommonJS hook alone, which
 * is all a CommonJS program needs and ~0.3 s of CPU less per process (spec/examples/examples.spec.ts).
 */
function runDemo(args: string[], loader: 'esm' | 'cjs' = 'esm'): { child: ReturnType<typeof spawn>; output: () => string; exited: Promise<number | null> } {
  const flags = loader === 'esm' ? ['--import', 'tsx'] : ['--require', 'tsx/cjs'];
  const child = spawn(process.execPath, [...flags, demo, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** The main job: `npm run demo`. */
describe('demo', () => {
  let tree: string;
  beforeAll(() => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-demo-'));
    for (let d = 0; d < 5; d++) {
      fs.mkdirSync(path.join(tree, `dir${d}`));
      for (let f = 0; f < 20; f++) {
        const body = Array.from({ length: 50 }, (_, i) => (i % 10 === f % 10 ? `// TODO item ${d}.${f}.${i}` : `line ${i}`)).join('\n');
        fs.writeFileSync(path.join(tree, `dir${d}`, `file${f}.js`), body);
      }
    }
  });
  afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

  it('should explain itself with --help', async () => {
    const run = runDemo(['--help'], 'cjs');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/usage: npm run demo -- \[directory\] \[pattern\]/);
  });

  it('should find every matching line of a tree, hash the files, and compare with the serial run', async () => {
    const run = runDemo([tree, 'todo']);
    expect(await run.exited).toBe(0);
    const out = run.output();
    expect(out).toMatch(/100 files, [\d.]+ MiB, 500 matching lines/);
    expect(out).toMatch(/sha256 [0-9a-f]{12}…/);
    expect(out).toMatch(/worker threads: [\d.]+ s/);
    expect(out).toMatch(/main thread, serially: [\d.]+ s {2}→ {2}[\d.]+× with the pool/);
    // The closing line explains the ratio: cores, workers, what the main thread did.
    expect(out).toMatch(/[\d.]+× = serial time \/ pool time, same 100 files/);
    expect(out).toMatch(/\d+ worker threads on \d+ cores, sharing them with the main thread, which walked the tree/);
    expect(out).toMatch(/its event loop busy \d+% of the run/);
    // … and why it is what it is: the CPU both runs used, and the best ratio that CPU allows on these cores.
    expect(out).toMatch(/CPU time on all threads: the pool run [\d.]+ s, the serial run [\d.]+ s/);
    expect(out).toMatch(/the best ratio the pool could reach here is about \d × [\d.]+ \/ [\d.]+ = [\d.]+×/);
    // The warm-up says what it does.
    expect(out).toMatch(/warming the page cache: reading every file under .* once, untimed/);
    expect(out).toMatch(/read 100 files, [\d.]+ MiB in [\d.]+ s/);
  });

  it('should refuse, with exit code 1 and a one-line reason: a missing directory, a file, an unknown flag, a bad pattern, a third argument', async () => {
    const missing = path.join(tree, 'no-such-dir');
    const file = path.join(tree, 'dir0', 'file0.js');
    // Started together: each is a Node start-up, and they are independent.
    const cases: Array<[string[], RegExp | string]> = [
      [[missing], `demo: no such directory: ${missing}`],
      [[file], `demo: not a directory: ${file}`],
      [[tree, '--no-serail'], /demo: Unknown option '--no-serail'/],
      [[tree, '('], /demo: bad pattern: Invalid regular expression/],
      [[tree, 'todo', 'more'], /demo: expected at most a directory and a pattern, got 3 arguments/],
    ];
    const runs = cases.map(([args]) => runDemo(args, 'cjs'));
    const codes = await Promise.all(runs.map((r) => r.exited));
    cases.forEach(([, reason], i) => {
      expect(codes[i]).toBe(1);
      if (typeof reason === 'string') expect(runs[i].output()).toContain(reason);
      else expect(runs[i].output()).toMatch(reason);
      expect(runs[i].output()).not.toMatch(/scanning/);
    });
  });

  it('should stop within a second of Ctrl-C: running scans interrupted, pool shut down', async () => {
    // A big tree (this project's node_modules) so the scan is still running when SIGINT arrives.
    const run = runDemo([path.join(root, 'node_modules'), 'TODO', '--no-serial']);
    await new Promise<void>((resolve) => {
      const onData = (): void => {
        if (!/scanned \d+ of/.test(run.output())) return;
        run.child.stdout!.off('data', onData);
        resolve();
      };
      run.child.stdout!.on('data', onData);
    });
    const t0 = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(Date.now() - t0).toBeLessThan(3000); // the demo itself reports its own figure, below
    const [, ms] = /pool shut down in (\d+) ms/.exec(run.output())!;
    expect(Number(ms)).toBeLessThan(1000);
  });
});
