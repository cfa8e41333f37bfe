/**
 * The recipes of docs/testing.md ("## Recipes"), run as written: every `ts`
 * block of that section is transpiled and run as a test body, with
 * `rxfutures` and `rxfutures/testing` mapped to lib/ as for users' specs.
 * A recipe that stops working fails here, so the page cannot drift.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';

const page = readFileSync(path.join(__dirname, '../../docs/testing.md'), 'utf8');

/** The `ts` blocks between `## Recipes` and the next `## ` heading, named by their `### ` heading. */
function recipes(): Array<[title: string, code: string]> {
  const start = page.indexOf('\n## Recipes\n');
  const end = page.indexOf('\n## ', start + 1);
  const section = page.slice(start, end === -1 ? undefined : end);
  const found: Array<[string, string]> = [];
  let title = '';
  for (const part of section.split(/\n(?=### )/)) {
    title = /^### (.*)/.exec(part)?.[1] ?? title;
    for (const [, code] of part.matchAll(/```ts\n([\s\S]*?)```/g)) found.push([title, code]);
  }
  return found;
}

const kModules: Record<string, () => unknown> = {
  rxfutures: () => require('../../lib'),
  'rxfutures/testing': () => require('../../lib/testing'),
  rxjs: () => require('rxjs'),
  'rxjs/testing': () => require('rxjs/testing'),
};

/** Runs one recipe as a CommonJS module body. */
function run(code: string): void {
  const { outputText } = transpileModule(code, { compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 } });
  const load = (id: string): unknown => {
    if (!Object.hasOwn(kModules, id)) throw new Error(`docs/testing.md recipe imports ${id}: not available to recipes`);
    return kModules[id]();
  };
  new Function('require', 'exports', 'expect', outputText)(load, {}, expect);
}

/** @test docs/testing.md */
describe('docs/testing.md recipes', () => {
  const found = recipes();

  it('should find the recipes', () => {
    expect(found.map(([title]) => title)).toEqual([
      'No scheduler inside `run()`',
      '`maxWorkers: Infinity` — timing, not queueing',
      'A cancellation as a subscription marble',
      '`waitFirst$` splits as `wait` does',
      '`currentAbortSignal()` inside a task',
    ]);
  });

  it.each(found)('should run the recipe "%s" as written', (_title, code) => {
    run(code);
  });
});
