/**
 * The README's snippets run as pasted, read from README.md itself: in an
 * ES-module TypeScript project (`"type": "module"`, `moduleResolution:
 * "nodenext"`) that has rxfutures and rxjs installed, compiled with tsc and
 * run with node, and the pipeline also run from source under tsx (where
 * `import.meta.resolve('./tasks.js')` finds tasks.ts).
 *
 * Needs the build (`npm test` runs it first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { doc, isPrime, kReadmeTasks, snippet } from '../helpers/readme';

const root = path.join(__dirname, '../..');
const kTasks = kReadmeTasks;

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

describe('README.md', () => {
  let app: string;
  // tsc's diagnostics, if the one compile of every snippet failed (each test then fails with them).
  let compileError: Error | undefined;

  const run = (args: string[]): string[] =>
    execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
  /** Runs a compiled snippet with node; its stdout lines. */
  const runCompiled = (file: string): string[] => {
    if (compileError) throw compileError;
    return run([path.join(app, 'dist', file)]);
  };

  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'dist/cjs/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-readme-'));
    fs.mkdirSync(path.join(app, 'node_modules/@types'), { recursive: true });
    // As installed: rxfutures through its package.json exports, rxjs and @types/node beside it.
    fs.symlinkSync(root, path.join(app, 'node_modules/rxfutures'), 'dir');
    fs.symlinkSync(path.join(root, 'node_modules/rxjs'), path.join(app, 'node_modules/rxjs'), 'dir');
    fs.symlinkSync(path.join(root, 'node_modules/@types/node'), path.join(app, 'node_modules/@types/node'), 'dir');
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, outDir: 'dist', rootDir: 'src', types: ['node'], skipLibCheck: true },
        include: ['src'],
      }),
    );
    // Every snippet is a module of its own in one project, compiled by one tsc run (a tsc start-up
    // is seconds of CPU; issue #17's budget).
    fs.mkdirSync(path.join(app, 'src'));
    const sources: Record<string, string> = {
      'main.ts': snippet('Quick start'),
      'pipeline.ts': snippet('A pipeline in ten lines'),
      'tasks.ts': kTasks,
      'start.ts': snippet('Where to start', doc('index.md')),
      'named.ts': snippet('A task module is not found', doc('troubleshooting.md'), 'import.meta.resolve') + '\nconsole.log(tasks.isPrime.specifier);\n',
      'bundled.ts': snippet('Bundling: esbuild, webpack, Rollup', doc('bundling.md').replace(/^# /m, '## ')),
    };
    for (const [file, source] of Object.entries(sources)) fs.writeFileSync(path.join(app, 'src', file), source);
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', app], { cwd: app, encoding: 'utf8' });
    } catch (err) {
      compileError = new Error(`tsc failed on the snippets:\n${String((err as { stdout?: string }).stdout ?? err)}`);
    }
  }, 60_000);

  afterAll(() => {
    if (app) fs.rmSync(app, { recursive: true, force: true });
  });

  it('should run the quick start as pasted (ES module, tsc, node)', () => {
    const out = runCompiled('main.js');
    expect(out).toEqual([`[ ${[30, 31, 32].map(fib).join(', ')} ]`]);
  });

  it('should run the ten-line pipeline as pasted, compiled and under tsx', () => {
    const expected = [112272535095293, 1000037, 1099726899285419].map((n) => String(isPrime(n)));
    expect(runCompiled('pipeline.js')).toEqual(expected);
    // From source: tsx maps ./tasks.js to src/tasks.ts, in the main thread and in the workers.
    const tsx = path.join(path.dirname(require.resolve('tsx/package.json', { paths: [root] })), 'dist/cli.mjs');
    expect(run([tsx, path.join(app, 'src/pipeline.ts')])).toEqual(expected);
  });

  it("should run the docs' ES-module snippets as pasted (index, troubleshooting, bundling)", () => {
    expect(runCompiled('start.js')).toEqual(['true']);
    expect(runCompiled('named.js')).toEqual([`file://${path.join(fs.realpathSync(app), 'dist/tasks.js')}`]);
    expect(runCompiled('bundled.js')).toEqual(['']);
  });
});
