import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ProcessPoolExecutor } from '../../lib';
import { childExecArgv } from '../../lib/processPool/childExecArgv';

const root = path.resolve(__dirname, '../..');

/** Runs `node ...args` from the package root with a tag in its environment; kills it after `timeoutMs`. */
function runNode(args: string[], tag: string, extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<{ stdout: string; code: number | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...extraEnv, RXF_SPEC_TAG: tag }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, code, timedOut });
    });
  });
}

/** Pids of the live processes whose environment holds the tag (Linux /proc). */
function tagged(tag: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`RXF_SPEC_TAG=${tag}\0`)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * The tagged processes still there once `graceMs` passed (a child leaves when it sees its parent's socket
 * close, a few ms after the parent): a check with a deadline, polled. Kills them, so a failure leaves none.
 */
async function reapTagged(tag: string, graceMs = 3000): Promise<number[]> {
  const end = Date.now() + graceMs;
  let found = tagged(tag);
  while (found.length > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    found = tagged(tag);
  }
  for (const pid of found) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return found;
}

const onLinux = process.platform === 'linux' ? it : it.skip;
const script =
  "const {ProcessPoolExecutor,task}=require('rxfutures'); " +
  "new ProcessPoolExecutor({maxWorkers:1}).submit(task(require.resolve('./spec/processPool/fixtures/tasks.js'),'getpid'))";

/** @test {ProcessPoolExecutor} */
describe('ProcessPoolExecutor and the command line', () => {
  onLinux.each([
    ['-e', ['-e', `${script}.then(console.log)`]],
    ['-p', ['-p', `${script}.then(console.log), ''`]],
    ['--eval= with --input-type', ['--input-type=commonjs', `--eval=${script}.then(console.log)`]],
  ])('should run a pool made by node %s: it prints the child pid, exits, and leaves no process', async (_flag, args) => {
    const tag = `${process.pid}-${Math.random()}`;
    const run = await runNode(args, tag);
    const left = await reapTagged(tag);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\s*\d+\s*$/m);
    expect(left).toEqual([]);
  }, 40_000);

  onLinux('should refuse to fork from a process started as a child that is not running the child entry (the fork chain stops)', async () => {
    const tag = `${process.pid}-${Math.random()}`;
    const run = await runNode(['-e', `${script}.exception().then((e) => console.log(e.name + ': ' + e.message))`], tag, { RXFUTURES_PROCESS_POOL_CHILD: '1' });
    const left = await reapTagged(tag);
    expect(run.timedOut).toBe(false);
    expect(run.stdout).toMatch(/^BrokenProcessPool: .*starts no children of its own/);
    expect(left).toEqual([]);
  }, 40_000);

  it('should keep loaders, conditions and memory flags of the parent, and drop what would replace the child entry', () => {
    expect(childExecArgv(['-e', 'code', '--max-old-space-size=64', '-r', 'ts-node/register', '--import', 'tsx', '--conditions=dev', '--inspect=9229', '--test', '-p', '-1'])).toEqual([
      '--max-old-space-size=64',
      '-r',
      'ts-node/register',
      '--import',
      'tsx',
      '--conditions=dev',
    ]);
    expect(childExecArgv(['--input-type=module', '--eval=x', '--watch', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
  });

  it.each([['-e'], ['--print'], ['--input-type=module'], ['--test'], ['--watch-path=.']])('should refuse an explicit execArgv holding %s, naming it', (arg) => {
    expect(() => new ProcessPoolExecutor({ execArgv: [arg] })).toThrow(new RegExp(`execArgv.*${arg.replace(/[-.=]/g, '\\$&')}`));
  });

  it('should throw ShutdownError from submit, map and stream once the process is exiting (a plain Node process)', async () => {
    const tasksPath = './spec/processPool/fixtures/tasks.js';
    const exiting =
      "const {ProcessPoolExecutor,task}=require('rxfutures'); const pool=new ProcessPoolExecutor({maxWorkers:1}); " +
      `const t=task(require.resolve('${tasksPath}'),'getpid'); ` +
      "process.on('exit',()=>{const seen=[]; for (const use of [()=>pool.submit(t),()=>pool.map(t,[1]),()=>pool.stream(t)]) { try { use(); seen.push('no throw'); } catch (e) { seen.push(e.name+': '+e.message); } } console.log(JSON.stringify(seen)); });";
    const tag = `${process.pid}-${Math.random()}`;
    const run = await runNode(['-e', exiting], tag);
    await reapTagged(tag);
    expect(run.timedOut).toBe(false);
    const seen = JSON.parse(run.stdout) as string[];
    expect(seen).toHaveLength(3);
    for (const line of seen) expect(line).toMatch(/^ShutdownError: .*the process is exiting/);
  }, 40_000);
});
