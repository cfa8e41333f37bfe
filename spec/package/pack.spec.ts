/**
 * The published package, not the source: `npm pack` the built tree, install
 * the tarball into an empty folder, and use it from plain Node child
 * processes through `require` and through `import` (outside Jest's module
 * registry, so `instanceof` and module identity are the real ones), and run
 * the README's pipeline (read from README.md) in an ES-module TypeScript
 * project and in its CommonJS twin, compiled with tsc against the tarball's
 * own declarations. What the tarball lacks, these fail on.
 *
 * No network: the tarball is unpacked into node_modules/rxfutures as npm
 * would, and its dependencies (piscina, the rxjs peer, @types/node for tsc)
 * are links to this repository's node_modules.
 *
 * Needs the build (`npm test` runs it first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, npm } from '../helpers/npmChild';
import { isPrime, kReadmeTasks, snippet } from '../helpers/readme';

const root = path.join(__dirname, '../..');

describe('the packed tarball', () => {
  let tmp: string;
  let app: string;
  let packed: string[];

  /** Runs `source` as `file` in the app folder; returns its last line of output, parsed as JSON. */
  const node = (file: string, source: string): any => {
    fs.writeFileSync(path.join(app, file), source);
    const out = execFileSync(process.execPath, [file], { cwd: app, env: childEnv(), encoding: 'utf8', timeout: 60_000 });
    return JSON.parse(out.trim().split('\n').pop()!);
  };

  beforeAll(() => {
    for (const file of ['dist/cjs/index.js', 'dist/esm/index.mjs']) {
      if (!fs.existsSync(path.join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first (\`npm test\` does)`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-pack-'));
    // --ignore-scripts: dist/ is built already; a prepack build would swap it under the other specs' feet.
    const [info] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root));
    packed = info.files.map((f: { path: string }) => f.path);

    // Installed as npm would: the package folder is the tarball's package/ (only the files it lists).
    const modules = path.join(tmp, 'node_modules');
    fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
    execFileSync('tar', ['xzf', path.join(tmp, info.filename), '-C', modules]);
    fs.renameSync(path.join(modules, 'package'), path.join(modules, 'rxfutures'));
    for (const dep of ['piscina', 'rxjs', '@types/node']) {
      fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(modules, dep), 'dir');
    }
    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  }, 60_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('should ship the build, its declarations and the worker entry, and no sources or specs', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
        'dist/cjs/testing/index.js',
        'dist/cjs/testing/index.d.ts',
        'dist/cjs/threadPool/worker.js',
        'dist/cjs/rxfutures-worker.js',
        'dist/cjs/rxfutures-process-worker.js',
        'LICENSE',
        'CHANGELOG.md',
        'dist/esm/index.mjs',
        'dist/esm/index.d.mts',
        'dist/esm/testing.mjs',
        'dist/esm/testing.d.mts',
      ]),
    );
    expect(packed.filter((f) => /^(lib|spec|scripts|\.ci|demo|bench|examples|docs)\//.test(f))).toEqual([]);
  });

  it('should work through require', () => {
    const out = node(
      'cjs.cjs',
      `const assert = require('node:assert');
       const { Future, CancelledError, ThreadPoolExecutor } = require('rxfutures');
       const { VirtualExecutor } = require('rxfutures/testing');
       (async () => {
         const f = new Future();
         setTimeout(() => f.setResult(41), 1);
         const c = new Future();
         c.cancel();
         await assert.rejects(c.result(), CancelledError);
         const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
         try {
           const doubled = await pool.submit((x) => x * 2, 21);
           console.log(JSON.stringify({ value: (await f) + 1, doubled, testing: typeof VirtualExecutor }));
         } finally {
           await pool.shutdown({ wait: true });
         }
       })().catch((err) => { console.error(err); process.exit(1); });`,
    );
    expect(out).toEqual({ value: 42, doubled: 42, testing: 'function' });
  });

  it('should work through import, with the same classes as require', () => {
    const out = node(
      'esm.mjs',
      `import assert from 'node:assert';
       import { createRequire } from 'node:module';
       import { Future, CancelledError, ThreadPoolExecutor } from 'rxfutures';
       import * as esm from 'rxfutures';
       import * as testing from 'rxfutures/testing';
       const require = createRequire(import.meta.url);
       const cjs = require('rxfutures');
       const cjsTesting = require('rxfutures/testing');

       const f = new Future();
       setTimeout(() => f.setResult('ok'), 1);
       const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
       let sum;
       try {
         sum = await pool.submit((a, b) => a + b, 2, 3);
       } finally {
         await pool.shutdown({ wait: true });
       }

       // One implementation behind both entry points: no dual-package hazard.
       assert.strictEqual(cjs.Future, Future);
       assert.strictEqual(cjs.CancelledError, CancelledError);
       assert.ok(new cjs.Future() instanceof Future);
       assert.ok(new CancelledError() instanceof cjs.CancelledError);
       assert.strictEqual(cjsTesting.VirtualExecutor, testing.VirtualExecutor);

       console.log(JSON.stringify({
         value: await f,
         sum,
         esmKeys: Object.keys(esm).sort(),
         cjsKeys: Object.keys(cjs).sort(),
         testingEsm: Object.keys(testing).sort(),
         testingCjs: Object.keys(cjsTesting).sort(),
       }));`,
    );
    expect(out.value).toBe('ok');
    expect(out.sum).toBe(5);
    // The ESM face lists every export of the CommonJS build, and nothing else.
    expect(out.esmKeys).toEqual(out.cjsKeys);
    expect(out.esmKeys).toContain('Future');
    expect(out.testingEsm).toEqual(out.testingCjs);
    expect(out.testingEsm).toContain('VirtualExecutor');
  });

  describe("the README's pipeline, against the tarball's code and declarations", () => {
    const expected = [112272535095293, 1000037, 1099726899285419].map((n) => String(isPrime(n)));

    const cjsPipeline = snippet('A pipeline in ten lines')
      .replace("typeof import('./tasks.js')", "typeof import('./tasks')")
      .replace("import.meta.resolve('./tasks.js')", "require.resolve('./tasks')");
    // tsc's diagnostics, if the one compile of both projects failed (each test then fails with them).
    let compileError: Error | undefined;

    /** A TypeScript project beside the installed package: its package.json and sources (compiled in beforeAll). */
    const project = (name: string, type: 'module' | 'commonjs', main: string): string => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
      fs.writeFileSync(path.join(dir, 'src/main.ts'), main);
      fs.writeFileSync(path.join(dir, 'src/tasks.ts'), kReadmeTasks);
      return dir;
    };
    /** The output lines of a compiled project's main file. */
    const runProject = (name: string): string[] => {
      if (compileError) throw compileError;
      const dir = path.join(tmp, name);
      return execFileSync(process.execPath, [path.join(dir, 'src/main.js')], { cwd: dir, env: childEnv(), encoding: 'utf8', timeout: 60_000 })
        .trim()
        .split('\n');
    };

    beforeAll(() => {
      const dirs = [project('esm-app', 'module', snippet('A pipeline in ten lines')), project('cjs-app', 'commonjs', cjsPipeline)];
      // Both projects in one tsc program (issue #17's budget: checking the declarations it loads — the
      // tarball's, rxjs's, @types/node's — is most of a tsc run, and two programs did it twice; ~4 s of
      // CPU). Under nodenext each file's format comes from its own project's package.json, as in a project
      // of its own: esm-app's files are ES modules, cjs-app's CommonJS; the .js lands beside each .ts, inside
      // its project. The tarball's declarations are checked (no skipLibCheck), from import and from require;
      // TypeScript's own lib.*.d.ts are not (skipDefaultLibCheck): they are TypeScript's, not the tarball's.
      fs.writeFileSync(
        path.join(tmp, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: ['node'], skipDefaultLibCheck: true },
          include: dirs.map((dir) => `${path.basename(dir)}/src`),
        }),
      );
      try {
        execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', tmp], { cwd: tmp, encoding: 'utf8' });
      } catch (err) {
        compileError = new Error(`tsc failed:\n${String((err as { stdout?: string }).stdout ?? err)}`);
      }
    }, 60_000);

    it('should run as pasted in an ES-module project ("type": "module", nodenext)', () => {
      expect(runProject('esm-app')).toEqual(expected);
    });

    it('should run in its CommonJS twin (require.resolve, as the README says)', () => {
      expect(cjsPipeline).not.toContain('import.meta');
      expect(runProject('cjs-app')).toEqual(expected);
    });
  });
});
