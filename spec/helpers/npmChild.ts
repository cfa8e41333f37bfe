import { execFileSync } from 'node:child_process';

/**
 * The environment for npm and node children of a spec. Under `npm test` npm
 * exports its settings as `npm_config_*` variables, and a nested npm would
 * take them as its own (`npm test --dry-run` would make an install a dry
 * run); only the few that say where the registry and the cache are pass
 * through.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_cafile']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) || keep.has(key.toLowerCase())) env[key] = value;
  }
  return env;
}

/** Runs npm with `args` in `cwd`; its stdout. */
export function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
