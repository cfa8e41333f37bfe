/**
 * A real redis-server for the queue specs, started by the spec itself on a
 * free loopback port in a temp dir (no persistence), and stopped after.
 * No system service is relied on.
 *
 * redis-server missing: in CI (`CI` set) the specs fail loudly; locally they
 * are skipped with a message saying what to install.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server process of ours. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, or with `tls` `rediss://localhost:<port>` (the name its certificate is for). */
  readonly url: string;
  /** Stops it (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Stops it and starts a fresh, empty one on the same port (a restart without persistence). */
  restart(): Promise<void>;
}

const kMissing = 'redis-server is not installed: apt-get install -y redis-server (Debian/Ubuntu) or brew install redis';

/** True if a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * `describe` for specs that need Redis: a plain describe when redis-server
 * exists; in CI without it, a describe whose first test fails saying so;
 * locally without it, `describe.skip` with a warning.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (hasRedisServer()) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs redis-server', () => {
        throw new Error(`${kMissing} (CI must install it before the tests)`);
      });
    });
  } else {
    console.warn(`skipping "${name}": ${kMissing}`);
    describe.skip(name, body);
  }
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** PEM files of a throwaway CA and of a server certificate it signed for `localhost` and 127.0.0.1. */
export interface TlsFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** True if an `openssl` binary is on the PATH (to make {@link TlsFiles}). */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes a CA and a server certificate signed by it in `dir` with openssl
 * (valid for a day, keys unencrypted: for tests only).
 */
export function makeTlsFiles(dir: string): TlsFiles {
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=rxfutures test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-days', '1', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-extfile', file('server.ext'), '-out', file('server.pem'));
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}

/**
 * Starts redis-server on a free loopback port; resolves once it accepts
 * connections. With `tls`, it serves TLS only on that port (clients need
 * not present a certificate).
 */
export async function startRedisServer(options: { tls?: TlsFiles } = {}): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOn(port, options.tls);
    } catch (error) {
      // Someone took the port between freePort() and redis binding it: try another.
      if (attempt >= 5) throw error;
    }
  }
}

async function startOn(port: number, tls: TlsFiles | undefined): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rxfutures-redis-'));
  let child = await launch(port, dir, tls);
  const stopChild = async (): Promise<void> => {
    const c = child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return {
    port,
    url: tls ? `rediss://localhost:${port}` : `redis://127.0.0.1:${port}`,
    async stop() {
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild();
      child = await launch(port, dir, tls);
    },
  };
}

function launch(port: number, dir: string, tls: TlsFiles | undefined): Promise<ChildProcess> {
  const listen = tls
    ? // TLS only; `localhost` may resolve to ::1 first, so bind it too where there is IPv6 (the - makes it optional).
      ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '-::1', '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no']
    : ['--port', String(port), '--bind', '127.0.0.1'];
  const child = spawn('redis-server', [...listen, '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} did not start within 10 s:\n${output}`));
    }, 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(child);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited with ${code}:\n${output}`));
    });
  });
}
