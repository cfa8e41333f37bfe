/**
 * The worker-side TypeScript hook with its transpile cache: a module
 * transpiled before is compiled from the cache without loading the
 * `typescript` package, in-process (the hook given a require that records
 * what it loads) and end to end (a worker thread of a plain Node process
 * reports whether typescript is in its module cache). Needs the build for the
 * end-to-end case (`npm test` runs it first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { kTranspileCacheEnv } from '../../lib/internal/transpileCache';
import { ensureTypeScriptSupport } from '../../lib/internal/typeScriptHook';

const root = path.join(__dirname, '../..');
const nodeStripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

const kTasks = `
interface Pair { a: number; b: number }
export function add({ a, b }: Pair): number {
  return a + b;
}
// Whether this thread loaded the typescript compiler.
export function typescriptLoaded(): boolean {
  return Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(file));
}
`;

/**
 * A fresh hook (its own extension table, as a fresh worker has) whose
 * require records the modules it is asked to load; compile() runs the hook
 * on a file and returns the JavaScript it produced.
 */
function freshHook(file: string): { loads: string[]; compile(): string } {
  const real = createRequire(path.join(root, '[spec]'));
  const loads: string[] = [];
  const userRequire = Object.assign((id: string) => (loads.push(id), real(id)), {
    resolve: real.resolve,
    cache: real.cache,
    main: real.main,
    extensions: {} as NodeJS.RequireExtensions,
  }) as NodeJS.Require;
  ensureTypeScriptSupport(file, userRequire);
  return {
    loads,
    compile() {
      let code = '';
      userRequire.extensions['.ts']!({ _compile: (js: string) => void (code = js) } as unknown as NodeJS.Module, file);
      return code;
    },
  };
}

(nodeStripsTypes ? describe.skip : describe)('ensureTypeScriptSupport (the transpile cache)', () => {
  let tmp: string;
  let cache: string;
  let file: string;
  const saved = process.env[kTranspileCacheEnv];

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-tshook-'));
    cache = path.join(tmp, 'cache');
    file = path.join(tmp, 'tasks.ts');
    fs.writeFileSync(file, kTasks);
    process.env[kTranspileCacheEnv] = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[kTranspileCacheEnv];
    else process.env[kTranspileCacheEnv] = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const entries = (): string[] => fs.readdirSync(cache);

  it('should transpile with typescript on a miss and store the result', () => {
    const hook = freshHook(file);
    expect(hook.loads).toEqual([]);
    const code = hook.compile();
    expect(hook.loads).toEqual(['typescript']);
    expect(code).toContain('exports.add = add');
    expect(code).not.toContain('interface');
    expect(entries()).toHaveLength(1);
  });

  it('should compile from the cache on a hit, without loading typescript', () => {
    const first = freshHook(file).compile();
    const second = freshHook(file);
    expect(second.compile()).toBe(first);
    expect(second.loads).toEqual([]);
  });

  it('should transpile again when the source changes', () => {
    freshHook(file).compile();
    fs.appendFileSync(file, '\nexport const extra = 1;\n');
    const hook = freshHook(file);
    expect(hook.compile()).toContain('exports.extra = 1');
    expect(hook.loads).toEqual(['typescript']);
    expect(entries()).toHaveLength(2);
  });

  it('should transpile again, and replace the entry, when the entry is corrupt', () => {
    const good = freshHook(file).compile();
    const [name] = entries();
    fs.writeFileSync(path.join(cache, name), fs.readFileSync(path.join(cache, name), 'utf8').replace('a + b', 'a - b'));
    const hook = freshHook(file);
    expect(hook.compile()).toBe(good);
    expect(hook.loads).toEqual(['typescript']);
    const again = freshHook(file);
    expect(again.compile()).toBe(good);
    expect(again.loads).toEqual([]);
  });

  it(`should neither read nor write a cache with ${kTranspileCacheEnv}=off`, () => {
    process.env[kTranspileCacheEnv] = 'off';
    freshHook(file).compile();
    const hook = freshHook(file);
    hook.compile();
    expect(hook.loads).toEqual(['typescript']);
    expect(fs.existsSync(cache)).toBe(false);
  });

  it('should not load typescript in a worker thread when the module was transpiled before (end to end)', () => {
    if (!fs.existsSync(path.join(root, 'dist/cjs/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
    // Two pools one after the other in a plain Node process: each has a fresh worker thread.
    const script = `
      const { ThreadPoolExecutor, task } = require(${JSON.stringify(path.join(root, 'dist/cjs/index.js'))});
      const once = async () => {
        const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
        try {
          return [await pool.submit(task(${JSON.stringify(file)}, 'add'), { a: 2, b: 40 }), await pool.submit(task(${JSON.stringify(file)}, 'typescriptLoaded'))];
        } finally {
          await pool.shutdown();
        }
      };
      (async () => console.log(JSON.stringify([await once(), await once()])))();`;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: root,
      env: { ...process.env, [kTranspileCacheEnv]: cache },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(out)).toEqual([
      [42, true],
      [42, false],
    ]);
  });
});
