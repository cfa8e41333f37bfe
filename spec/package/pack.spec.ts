/**
 * The published package, not the source: `npm pack` the built tree, install
 * the tarball into an empty folder, and use it from plain Node child
 * processes through `require` and through `import` (outside Jest's module
 * registry, so `instanceof` and module identity are the real ones).
 *
 * Needs the build (`npm test` runs it first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '../..');

/**
 * The environment for the npm and node children. Under `npm test` npm exports
 * its settings as `npm_config_*` variables, and a nested npm would take them
 * as its own (`npm test --dry-run` would make the install below a dry run);
 * only the few that say where the registry and the cache are pass through, so
 * the install works on the empty folder as a user's would.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_cafile']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) || keep.has(key.toLowerCase())) env[key] = value;
  }
  return env;
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

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

    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    // --prefer-offline: piscina and rxjs come from the cache `npm ci` filled; the registry only if they are not there.
    npm(
      ['install', path.join(tmp, info.filename), 'rxjs@7.8.2', '--prefix', app, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'],
      app,
    );
  }, 120_000);

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
});
