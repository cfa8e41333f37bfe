/**
 * The published package, not the source: `npm pack`, install the tarball in
 * an empty folder, and use it from plain Node through `require` and `import`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the packed tarball', () => {
  let app: string;

  beforeAll(() => {
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-pack-'));
    const [{ filename }] = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', app], { cwd: root, encoding: 'utf8' }),
    ) as { filename: string }[];
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', path.join(app, filename), 'rxjs@7.8.2'], {
      cwd: app,
      stdio: 'pipe',
    });
  }, 180_000);

  afterAll(() => {
    fs.rmSync(app, { recursive: true, force: true });
  });

  const node = (file: string, source: string): string => {
    fs.writeFileSync(path.join(app, file), source);
    return execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 60_000 }).trim();
  };

  it('should work through require', () => {
    const out = node(
      'cjs.cjs',
      `const { Future, ThreadPoolExecutor } = require('rxfutures');
       const { VirtualExecutor } = require('rxfutures/testing');
       (async () => {
         const f = new Future(); f.setResult(41);
         const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
         const doubled = await pool.submit((x) => x * 2, 21);
         await pool.shutdown();
         console.log(await f + 1, doubled, typeof VirtualExecutor);
       })();`,
    );
    expect(out).toBe('42 42 function');
  });

  it('should work through import, with the same classes as require', () => {
    const out = node(
      'esm.mjs',
      `import { Future, CancelledError } from 'rxfutures';
       import { VirtualExecutor } from 'rxfutures/testing';
       import { createRequire } from 'node:module';
       const required = createRequire(import.meta.url)('rxfutures');
       const f = new Future(); f.setResult('ok');
       console.log(await f, Future === required.Future, CancelledError === required.CancelledError, typeof VirtualExecutor);`,
    );
    expect(out).toBe('ok true true function');
  });

  it('should ship declarations for both entry points', () => {
    const pkg = path.join(app, 'node_modules/rxfutures');
    for (const file of ['dist/cjs/index.d.ts', 'dist/esm/index.d.mts', 'dist/cjs/testing/index.d.ts', 'dist/esm/testing.d.mts']) {
      expect(fs.existsSync(path.join(pkg, file))).toBe(true);
    }
  });
});
