/**
 * TypeScript task modules under Node's own type stripping (Node >= 22.18,
 * 23.6+), with no typescript package anywhere the app could find it: the
 * loader (lib/internal/loadTask.ts) leaves `.ts`, `.mts` and `.cts` files to
 * Node, in worker threads and in process-pool children.
 *
 * This repository's CI runs Node 20, which has no type stripping, so the
 * spec runs a Node 22 binary fetched from the npm registry (the
 * `node-<platform>-<arch>` packages hold the official builds), once, into a
 * cache folder under the system's temp dir that later runs reuse. Where the
 * Node running Jest strips types itself, that one is used. Needs the build.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, npm } from '../helpers/npmChild';

const root = path.join(__dirname, '../..');
const kNodeRange = '22';

/** A Node that strips types: this one if it does, else node-<platform>-<arch>@22 from the registry (cached). */
function strippingNode(): string {
  if ((process.features as { typescript?: unknown }).typescript) return process.execPath;
  const cache = path.join(os.tmpdir(), 'rxfutures-spec-node', `${process.platform}-${process.arch}@${kNodeRange}`);
  const binary = path.join(cache, 'package/bin/node');
  if (fs.existsSync(binary)) return binary;
  const partial = `${cache}.${process.pid}`;
  fs.mkdirSync(partial, { recursive: true });
  const [info] = JSON.parse(npm(['pack', '--json', `node-${process.platform}-${process.arch}@${kNodeRange}`, '--pack-destination', partial], partial));
  execFileSync('tar', ['xzf', info.filename], { cwd: partial });
  fs.rmSync(path.join(partial, info.filename));
  // Whole or not at all: a run killed half-way leaves no half a binary for the next one.
  fs.rmSync(cache, { recursive: true, force: true });
  fs.renameSync(partial, cache);
  return binary;
}

const kFiles: Record<string, string> = {
  // ESM syntax in a .ts file of a folder without "type": Node's module detection takes it as ESM.
  'tasks.ts': `interface Pair { a: number; b: number }
export function add({ a, b }: Pair): number {
  const sum: number = a + b;
  return sum;
}
`,
  'tasks.mts': 'export const mul = (a: number, b: number): number => a * b;\n',
  'tasks.cts': `type Text = string;
function shout(s: Text): Text { return s.toUpperCase(); }
module.exports = { shout };
`,
  // Not erasable: Node refuses enums in strip-only mode.
  'enum.ts': 'enum Color { Red = 7 }\nexport function red(): number { return Color.Red; }\n',
};

describe('TypeScript task modules under Node type stripping', () => {
  let node: string;
  let app: string;

  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'dist/cjs/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
    node = strippingNode();
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-strip-'));
    for (const [file, source] of Object.entries(kFiles)) fs.writeFileSync(path.join(app, file), source);
  }, 180_000);

  afterAll(() => {
    if (app) fs.rmSync(app, { recursive: true, force: true });
  });

  /** Runs `source` as `file` in the app folder with the stripping Node; its last line of output, parsed. */
  const run = (file: string, source: string): any => {
    fs.writeFileSync(path.join(app, file), source);
    const out = execFileSync(node, [file], { cwd: app, env: childEnv(), encoding: 'utf8', timeout: 60_000 });
    return JSON.parse(out.trim().split('\n').pop()!);
  };

  it('should run a Node that strips types, with no typescript package to be found', () => {
    const out = run(
      'probe.cjs',
      `let typescript = null;
       try { typescript = require.resolve('typescript'); } catch {}
       console.log(JSON.stringify({ strips: process.features.typescript, typescript }));`,
    );
    expect(out).toEqual({ strips: expect.stringMatching(/strip|transform/), typescript: null });
  });

  it('should load .ts, .mts and .cts task modules in worker threads and child processes (require)', () => {
    const out = run(
      'cjs.cjs',
      `const path = require('node:path');
       const { ThreadPoolExecutor, ProcessPoolExecutor, task } = require(${JSON.stringify(path.join(root, 'dist/cjs/index.js'))});
       const at = (file) => path.join(__dirname, file);
       (async () => {
         const out = {};
         for (const [name, pool] of [['thread', new ThreadPoolExecutor({ maxWorkers: 1 })], ['process', new ProcessPoolExecutor({ maxWorkers: 1 })]]) {
           try {
             out[name] = [
               await pool.submit(task(at('tasks.ts'), 'add'), { a: 2, b: 40 }),
               await pool.submit(task(at('tasks.mts'), 'mul'), 6, 7),
               await pool.submit(task(at('tasks.cts'), 'shout'), 'ok'),
             ];
           } finally {
             await pool.shutdown({ wait: true });
           }
         }
         console.log(JSON.stringify(out));
       })().catch((err) => { console.error(err); process.exit(1); });`,
    );
    expect(out).toEqual({ thread: [42, 42, 'OK'], process: [42, 42, 'OK'] });
  });

  it('should load them from an ES module through import.meta.resolve, and fail only the future of a file Node cannot strip', () => {
    const out = run(
      'esm.mjs',
      `import { ThreadPoolExecutor, taskModule, task } from ${JSON.stringify(path.join(root, 'dist/esm/index.mjs'))};
       const tasks = taskModule(import.meta.resolve('./tasks.ts'));
       const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
       try {
         const failed = await pool.submit(task(import.meta.resolve('./enum.ts'), 'red')).exception();
         console.log(JSON.stringify({
           add: await pool.submit(tasks.add, { a: 1, b: 2 }),
           enumError: { name: failed?.name, message: failed?.message },
           after: await pool.submit(task(import.meta.resolve('./tasks.mts'), 'mul'), 3, 4),
         }));
       } finally {
         await pool.shutdown({ wait: true });
       }`,
    );
    expect(out.add).toBe(3);
    expect(out.enumError.name).toBe('SyntaxError');
    expect(out.enumError.message).toMatch(/enum/i);
    expect(out.after).toBe(12);
  });
});
