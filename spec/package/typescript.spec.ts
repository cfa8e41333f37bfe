/**
 * TypeScript task modules on any TypeScript: a `.ts` task loaded in a worker
 * of a plain Node process (no tsx, no ts-jest) with typescript 5.x, 6.x (this
 * repository's own) and 7.x installed in the app. 5.x and 6.x are used
 * transpile-only; 7.x is a native compiler without a JavaScript transpile
 * API, so on a Node without type stripping the task fails with an error that
 * says what to install (and where Node strips types, Node loads the file).
 *
 * The typescript versions are installed once into a cache folder under the
 * system's temp dir and reused by later runs. Needs the build.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '../..');
const cache = path.join(os.tmpdir(), 'rxfutures-spec-typescript');

/** npm's own settings out of the environment (see pack.spec.ts), but where the registry and cache are. */
function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_cafile']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) || keep.has(key.toLowerCase())) env[key] = value;
  }
  return env;
}

/** An app folder with `typescript@range` installed (once: later runs reuse it). */
function appWith(range: string): string {
  const dir = path.join(cache, range);
  if (fs.existsSync(path.join(dir, 'node_modules/typescript/package.json'))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', `typescript@${range}`, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], {
    cwd: dir,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return dir;
}

const kTasks = `
interface Pair { a: number; b: number }
export function add({ a, b }: Pair): number {
  const sum: number = a + b;
  return sum;
}
`;

/** Submits the .ts task from a plain Node process whose working directory is `app`; its outcome. */
function runTask(app: string): { value?: number; name?: string; message?: string; typescript?: string } {
  const tasks = path.join(app, 'tasks.ts');
  fs.writeFileSync(tasks, kTasks);
  const script = `
    const { ThreadPoolExecutor, task } = require(${JSON.stringify(path.join(root, 'dist/cjs/index.js'))});
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    let typescript;
    try { typescript = require(require.resolve('typescript/package.json', { paths: [process.cwd()] })).version; } catch {}
    pool.submit(task(${JSON.stringify(tasks)}, 'add'), { a: 2, b: 40 })
      .then((value) => ({ value }), (err) => ({ name: err.name, message: err.message }))
      .then((out) => { console.log(JSON.stringify({ ...out, typescript })); return pool.shutdown(); });`;
  // The transpile cache off: each run really loads and uses the installed typescript.
  const out = execFileSync(process.execPath, ['-e', script], { cwd: app, env: { ...childEnv(), RXFUTURES_TS_CACHE: 'off' }, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const nodeStripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

describe('TypeScript task modules', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'dist/cjs/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  });

  it('should load a .ts task with typescript 5.x (transpile-only)', () => {
    const out = runTask(appWith('5'));
    expect(out.typescript).toMatch(/^5\./);
    expect(out).toMatchObject({ value: 42 });
  }, 180_000);

  it("should load a .ts task with typescript 6.x (this repository's own)", () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-ts6-'));
    try {
      // The app resolves typescript from its working directory: link this repository's.
      fs.mkdirSync(path.join(app, 'node_modules'));
      fs.symlinkSync(path.join(root, 'node_modules/typescript'), path.join(app, 'node_modules/typescript'), 'dir');
      const out = runTask(app);
      expect(out.typescript).toMatch(/^6\./);
      expect(out).toMatchObject({ value: 42 });
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  it('should name what to install when only typescript 7.x (no JavaScript API) is there, or let Node strip the types', () => {
    const out = runTask(appWith('7'));
    expect(out.typescript).toMatch(/^7\./);
    if (nodeStripsTypes) {
      expect(out).toMatchObject({ value: 42 });
    } else {
      expect(out.name).toBe('Error');
      expect(out.message).toContain(`typescript ${out.typescript} is installed, which has no JavaScript transpile API`);
      expect(out.message).toContain('npm install --save-dev typescript@6');
      expect(out.message).toContain('node --import tsx');
      expect(out.message).not.toContain("reading 'CommonJS'");
    }
  }, 180_000);

  it('should name what to install when no TypeScript loader is there at all', () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-nots-'));
    try {
      const out = runTask(app);
      if (nodeStripsTypes) return expect(out).toMatchObject({ value: 42 });
      expect(out.message).toContain('no typescript package is installed');
      expect(out.message).toContain('npm install --save-dev typescript@6');
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});
