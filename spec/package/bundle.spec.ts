/**
 * A bundled app, as users ship one: esbuild bundles a small program (thread
 * pool with an initializer and a transferred result, process pool, an RxJS
 * pipeline) in CommonJS and in ES-module format, with Piscina bundled and
 * kept external, and runs it in a plain Node child process. And the ways it
 * goes wrong end in an error that names the fix, never in a silent exit.
 * The recipes are those of docs/bundling.md.
 *
 * Needs the build (`npm test` runs it first).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as esbuildTypes from 'esbuild';

const root = path.join(__dirname, '../..');
// The bundler itself, from this repository's devDependencies.
const esbuild = require('esbuild') as typeof esbuildTypes;

const kTasks = `
import { transfer } from 'rxfutures';
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
export function filled(n: number) {
  return transfer(new Uint8Array(n).fill(3));
}
`;

/** The program; TASKS is how it names its task module (CommonJS or ES module). */
const program = (tasksSpecifier: string, workerFilename: string): string => `
import { ProcessPoolExecutor, ThreadPoolExecutor, mapOrdered$, taskModule } from 'rxfutures';
import { from, lastValueFrom, toArray } from 'rxjs';

const tasks = taskModule<typeof import('./tasks')>(${tasksSpecifier});
const pool = new ThreadPoolExecutor({
  maxWorkers: 2,
  initializer: (x: number) => { (globalThis as any).seed = x; },
  initargs: [21],
  ${workerFilename}
});
const procs = new ProcessPoolExecutor({ maxWorkers: 1 });
async function main() {
  try {
    const primes = await lastValueFrom(from([2, 4, 1000037]).pipe(mapOrdered$(pool, tasks.isPrime), toArray()));
    const seeded = await pool.submit(() => (globalThis as any).seed * 2);
    const bytes = Array.from(await pool.submit(tasks.filled, 3));
    const inChild = await procs.submit(tasks.isPrime, 7);
    console.log(JSON.stringify({ primes, seeded, bytes, inChild }));
  } finally {
    await pool.shutdown();
    await procs.shutdown();
  }
}
main().catch((err) => { console.error(String(err?.stack ?? err)); process.exit(1); });
`;

// docs/bundling.md: an ES-module bundle gets require, __filename and __dirname for the CommonJS code in it.
const kEsmBanner =
  "import { createRequire as __rxfCreateRequire } from 'node:module'; import { fileURLToPath as __rxfFileURLToPath } from 'node:url'; " +
  "import { dirname as __rxfDirname } from 'node:path'; const require = __rxfCreateRequire(import.meta.url); " +
  'const __filename = __rxfFileURLToPath(import.meta.url); const __dirname = __rxfDirname(__filename);';

describe('a bundled app', () => {
  let app: string;

  beforeAll(() => {
    for (const file of ['dist/cjs/rxfutures-worker.js', 'dist/cjs/rxfutures-process-worker.js']) {
      if (!fs.existsSync(path.join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first (\`npm test\` does)`);
    }
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-bundle-'));
    fs.mkdirSync(path.join(app, 'src'));
    fs.mkdirSync(path.join(app, 'node_modules'));
    // The package as installed (its package.json exports), and Piscina for the builds that keep it external.
    fs.symlinkSync(root, path.join(app, 'node_modules/rxfutures'), 'dir');
    fs.symlinkSync(path.join(root, 'node_modules/piscina'), path.join(app, 'node_modules/piscina'), 'dir');
    fs.writeFileSync(path.join(app, 'src/tasks.ts'), kTasks);
    fs.writeFileSync(path.join(app, 'src/main-cjs.ts'), program("require('node:path').join(__dirname, 'tasks.js')", ''));
    fs.writeFileSync(path.join(app, 'src/main-esm.ts'), program("import.meta.resolve('./tasks.js')", ''));
    fs.writeFileSync(
      path.join(app, 'src/main-named.ts'),
      program("require('node:path').join(__dirname, 'tasks.js')", "workerFilename: require('node:path').join(__dirname, 'worker.js'),"),
    );
  });

  afterAll(() => {
    if (app) fs.rmSync(app, { recursive: true, force: true });
  });

  /** Bundles `entryPoints` into `out` (with a package.json saying which module format its .js files are). */
  const bundle = (out: string, format: 'cjs' | 'esm', entryPoints: Record<string, string>, options: esbuildTypes.BuildOptions = {}): string => {
    const outdir = path.join(app, out);
    fs.mkdirSync(outdir, { recursive: true });
    fs.writeFileSync(path.join(outdir, 'package.json'), JSON.stringify({ type: format === 'esm' ? 'module' : 'commonjs' }));
    esbuild.buildSync({
      absWorkingDir: app,
      entryPoints,
      outdir,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      logLevel: 'silent',
      nodePaths: [path.join(root, 'node_modules')],
      ...options,
    });
    return outdir;
  };

  /** Runs the bundle's main.js; its status, output and how long it took. */
  const run = (outdir: string) => {
    const r = spawnSync(process.execPath, [path.join(outdir, 'main.js')], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
  };

  const kExpected = { primes: [true, false, true], seeded: 42, bytes: [3, 3, 3], inChild: true };
  const piscinaWorker = (): string => path.join(path.dirname(require.resolve('piscina', { paths: [root] })), 'worker.js');

  it('should run as a CommonJS bundle with Piscina bundled and its worker emitted as worker.js', () => {
    const out = bundle('cjs', 'cjs', {
      main: 'src/main-cjs.ts',
      tasks: 'src/tasks.ts',
      'rxfutures-worker': 'rxfutures/worker',
      'rxfutures-process-worker': 'rxfutures/process-worker',
      worker: piscinaWorker(),
    }, { external: ['@napi-rs/nice'] });
    const r = run(out);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(kExpected);
  });

  it('should run as an ES-module bundle with Piscina external, tasks named with import.meta.resolve', () => {
    const out = bundle('esm', 'esm', {
      main: 'src/main-esm.ts',
      tasks: 'src/tasks.ts',
      'rxfutures-worker': 'rxfutures/worker',
      'rxfutures-process-worker': 'rxfutures/process-worker',
    }, { external: ['piscina'], banner: { js: kEsmBanner } });
    const r = run(out);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(kExpected);
  });

  it('should run as an ES-module bundle with Piscina bundled', () => {
    const out = bundle('esm-all', 'esm', {
      main: 'src/main-esm.ts',
      tasks: 'src/tasks.ts',
      'rxfutures-worker': 'rxfutures/worker',
      'rxfutures-process-worker': 'rxfutures/process-worker',
      worker: piscinaWorker(),
    }, { external: ['@napi-rs/nice'], banner: { js: kEsmBanner } });
    const r = run(out);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(kExpected);
  });

  it('should fail the first submit with BrokenThreadPool naming the missing worker entry and the fix', () => {
    const out = bundle('no-worker', 'cjs', { main: 'src/main-cjs.ts', tasks: 'src/tasks.ts' }, { external: ['piscina'] });
    const r = run(out);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('BrokenThreadPool');
    expect(r.stderr).toContain(path.join(out, 'rxfutures-worker.js'));
    expect(r.stderr).toContain("emit 'rxfutures/worker' as an entry of its own");
    expect(r.stderr).toContain('workerFilename');
  });

  it("should fail with BrokenThreadPool, not exit silently, when Piscina's worker.js is missing beside a bundle that contains Piscina", () => {
    const out = bundle('no-piscina-worker', 'cjs', {
      main: 'src/main-cjs.ts',
      tasks: 'src/tasks.ts',
      'rxfutures-worker': 'rxfutures/worker',
      'rxfutures-process-worker': 'rxfutures/process-worker',
    });
    const r = run(out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('BrokenThreadPool');
    expect(r.stderr).toContain(path.join(out, 'worker.js'));
    expect(r.stderr).toContain('--external:piscina');
  });

  it("should fail with BrokenThreadPool, not exit silently, when the rxfutures worker is emitted as Piscina's worker.js", () => {
    const out = bundle('worker-as-bootstrap', 'cjs', {
      main: 'src/main-named.ts',
      tasks: 'src/tasks.ts',
      worker: 'rxfutures/worker',
      'rxfutures-process-worker': 'rxfutures/process-worker',
    }, { external: ['@napi-rs/nice'] });
    const r = run(out);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('BrokenThreadPool');
    expect(r.stderr).toContain("started as Piscina's worker bootstrap");
  });

  it('should resolve the published worker entries through the package exports', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', "console.log(JSON.stringify([require.resolve('rxfutures/worker'), require.resolve('rxfutures/process-worker')]))"],
      { cwd: app, encoding: 'utf8' },
    );
    expect(JSON.parse(out).map((f: string) => path.relative(root, fs.realpathSync(f)))).toEqual([
      path.join('dist/cjs/rxfutures-worker.js'),
      path.join('dist/cjs/rxfutures-process-worker.js'),
    ]);
  });
});
