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

  /** Compiles the project with tsc (nodenext) and runs `file` with node; its stdout lines. */
  const compileAndRun = (file: string): string[] => {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', app], { cwd: app, encoding: 'utf8' });
    return run([path.join(app, 'dist', file)]);
  };
  const run = (args: string[]): string[] =>
    execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 60_000 }).trim().split('\n');

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
    fs.mkdirSync(path.join(app, 'src'));
  });

  afterAll(() => {
    if (app) fs.rmSync(app, { recursive: true, force: true });
  });

  it('should run the quick start as pasted (ES module, tsc, node)', () => {
    fs.writeFileSync(path.join(app, 'src/main.ts'), snippet('Quick start'));
    const out = compileAndRun('main.js');
    expect(out).toEqual([`[ ${[30, 31, 32].map(fib).join(', ')} ]`]);
  });

  it('should run the ten-line pipeline as pasted, compiled and under tsx', () => {
    fs.rmSync(path.join(app, 'src/main.ts'), { force: true });
    fs.rmSync(path.join(app, 'dist'), { recursive: true, force: true });
    fs.writeFileSync(path.join(app, 'src/pipeline.ts'), snippet('A pipeline in ten lines'));
    fs.writeFileSync(path.join(app, 'src/tasks.ts'), kTasks);
    const expected = [112272535095293, 1000037, 1099726899285419].map((n) => String(isPrime(n)));
    expect(compileAndRun('pipeline.js')).toEqual(expected);
    // From source: tsx maps ./tasks.js to src/tasks.ts, in the main thread and in the workers.
    const tsx = path.join(path.dirname(require.resolve('tsx/package.json', { paths: [root] })), 'dist/cli.mjs');
    expect(run([tsx, path.join(app, 'src/pipeline.ts')])).toEqual(expected);
  });

  it("should run the docs' ES-module snippets as pasted (index, troubleshooting, bundling)", () => {
    fs.rmSync(path.join(app, 'src'), { recursive: true, force: true });
    fs.rmSync(path.join(app, 'dist'), { recursive: true, force: true });
    fs.mkdirSync(path.join(app, 'src'));
    fs.writeFileSync(path.join(app, 'src/tasks.ts'), kTasks);
    fs.writeFileSync(path.join(app, 'src/start.ts'), snippet('Where to start', doc('index.md')));
    fs.writeFileSync(path.join(app, 'src/named.ts'), snippet('A task module is not found', doc('troubleshooting.md'), 'import.meta.resolve') + '\nconsole.log(tasks.isPrime.specifier);\n');
    fs.writeFileSync(path.join(app, 'src/bundled.ts'), snippet('Bundling: esbuild, webpack, Rollup', doc('bundling.md').replace(/^# /m, '## ')));
    expect(compileAndRun('start.js')).toEqual(['true']);
    expect(run([path.join(app, 'dist/named.js')])).toEqual([`file://${path.join(fs.realpathSync(app), 'dist/tasks.js')}`]);
    expect(run([path.join(app, 'dist/bundled.js')])).toEqual(['']);
  });
});
