/**
 * Which Node options a ProcessPoolExecutor child starts with.
 *
 * A child must run the child entry and nothing else. Node's default for
 * `fork` is the parent's whole `process.execArgv`, and that can replace the
 * entry: with `node -e "<script>"` the child runs `<script>` again instead of
 * the child entry, builds its own pool and forks again, for ever. So the
 * default keeps only options known to be safe in a child, by an allowlist:
 *
 * - loaders, so a child can load what its parent can: `--require`/`-r`,
 *   `--import`, `--loader`/`--experimental-loader`, `--conditions`/`-C`,
 *   `--preserve-symlinks`, `--experimental-strip-types` and friends;
 * - memory and stack limits: `--max-old-space-size`, `--max-semi-space-size`,
 *   `--stack-size`, `--expose-gc`;
 * - diagnostics that change no behaviour: `--enable-source-maps`,
 *   `--no-warnings`, `--disable-warning`, `--trace-*`, `--*-deprecation`,
 *   `--unhandled-rejections`.
 *
 * Everything else is dropped: `-e`/`--eval`, `-p`/`--print`, `-i`,
 * `--input-type`, `-c`/`--check`, `--test*`, `--watch*`, `--run`,
 * `--inspect*`/`--debug*` (children would fight over the debug port),
 * `--env-file` (the environment is passed whole), `--cpu-prof*`, … An
 * explicit `options.execArgv` is used as given, except that an option that
 * replaces the entry is refused with a TypeError naming it.
 */

// Options kept from the parent's command line; those marked true take their value as the next argument
// when not written `--name=value`.
const kSafe = new Map<string, boolean>([
  ['--require', true],
  ['-r', true],
  ['--import', true],
  ['--loader', true],
  ['--experimental-loader', true],
  ['--conditions', true],
  ['-C', true],
  ['--preserve-symlinks', false],
  ['--experimental-strip-types', false],
  ['--experimental-transform-types', false],
  ['--no-experimental-strip-types', false],
  ['--experimental-vm-modules', false],
  ['--experimental-require-module', false],
  ['--max-old-space-size', true],
  ['--max-semi-space-size', true],
  ['--stack-size', true],
  ['--expose-gc', false],
  ['--expose_gc', false],
  ['--enable-source-maps', false],
  ['--no-warnings', false],
  ['--disable-warning', true],
  ['--no-deprecation', false],
  ['--throw-deprecation', false],
  ['--pending-deprecation', false],
  ['--trace-deprecation', false],
  ['--trace-warnings', false],
  ['--trace-uncaught', false],
  ['--trace-exit', false],
  ['--unhandled-rejections', true],
]);

// Options that make node run something other than the file it is given (or nothing at all): refused in
// an explicit execArgv. Value-taking ones swallow the entry's path as their value.
const kReplacesEntry = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '-i',
  '--interactive',
  '-c',
  '--check',
  '--test',
  '--watch',
  '--watch-path',
  '--run',
  '--input-type',
  '-v',
  '--version',
  '-h',
  '--help',
  '--v8-options',
  '--completion-bash',
]);

// Options whose value is a script.
const kScriptOptions = new Set(['-e', '--eval', '-p', '--print', '-pe']);

/** The default: the parent's options filtered through the allowlist above. */
export function childExecArgv(parent: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const takesValue = kSafe.get(name);
    if (takesValue === undefined) {
      // Dropped, and its separate value with it: always for the script options (a script may start with
      // '-'); for others we cannot know every option's arity, so a following argument that does not look
      // like an option is taken to be this one's value (execArgv never holds the main script).
      if (name === arg && i + 1 < parent.length && (kScriptOptions.has(arg) || !parent[i + 1].startsWith('-'))) i++;
      continue;
    }
    kept.push(arg);
    if (takesValue && name === arg && i + 1 < parent.length) kept.push(parent[++i]);
  }
  return kept;
}

/** @returns the first option of an explicit execArgv that would replace the child entry, if any */
export function entryReplacingOption(execArgv: readonly string[]): string | undefined {
  for (const arg of execArgv) {
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (kReplacesEntry.has(name) || name.startsWith('--test-') || name.startsWith('--watch-')) return arg;
  }
  return undefined;
}
