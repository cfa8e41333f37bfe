/**
 * The shape of lib/'s import graph (STYLE.md §(d)3: the bottom floor never
 * reaches up). What `npx madge --circular --extensions ts lib` checks, done
 * with TypeScript's own `preProcessFile` (already a devDependency), so it
 * runs with every `jest` and adds no package. Type-only imports count, as
 * they do for madge: a type import that closes a loop still ties two files
 * together.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { preProcessFile } from 'typescript';

const kLib = resolve(__dirname, '../lib');

/** Every .ts file under lib/, as paths relative to lib/. */
function libFiles(dir = kLib): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? libFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(kLib, join(dir, e.name))] : [],
  );
}

/** file → the lib/ files it imports (relative imports only; packages are not lib/). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of libFiles()) {
    const { importedFiles } = preProcessFile(readFileSync(join(kLib, file), 'utf8'), true, true);
    const deps: string[] = [];
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(kLib, dirname(file), fileName);
      const found = [`${target}.ts`, join(target, 'index.ts')].find((candidate) => existsSync(candidate));
      if (found !== undefined) deps.push(relative(kLib, found));
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Every cycle a depth-first walk meets, as 'a.ts > b.ts > a.ts' (madge's notation). */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'closed'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === 'open') found.push([...path.slice(path.indexOf(dep)), dep].join(' > '));
      else if (state.get(dep) === undefined) visit(dep);
    }
    path.pop();
    state.set(file, 'closed');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
}

/** @test lib/ import graph */
describe('lib imports', () => {
  const graph = importGraph();

  it('should find the files and their imports (the check itself works)', () => {
    expect(graph.get('Future.ts')).toEqual(expect.arrayContaining(['errors.ts', 'internal/waiters.ts']));
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]]))).toEqual(['a.ts > b.ts > a.ts']);
  });

  it('should have no import cycles in lib/ (madge --circular)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('should keep lib/internal from importing anything above it but the leaf errors.ts', () => {
    // errors.ts imports nothing, so internal/ may throw its classes without reaching up.
    expect(graph.get('errors.ts')).toEqual([]);
    const upward = [...graph]
      .filter(([file]) => file.startsWith('internal/'))
      .flatMap(([file, deps]) => deps.filter((d) => !d.startsWith('internal/') && d !== 'errors.ts').map((d) => `${file} > ${d}`));
    expect(upward).toEqual([]);
  });
});
