/**
 * Starting real peers (Dovecot, slapd, nsd, smtp-sink …) as child processes for tests.
 * Peers keep stdout/stderr open, so their output goes to a log file, never a pipe.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

export interface Peer {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
  log(): string;
}

/** A free TCP port on 127.0.0.1 (bind to 0, read, release). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Fails with an install hint when a peer program is missing: a missing peer is a failure, never a skip. */
export function requireProgram(program: string, debianPackage: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/sbin', '/bin']) {
    if (existsSync(`${dir}/${program}`)) return `${dir}/${program}`;
  }
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${program} is not installed: apt-get install -y ${debianPackage} (or run npm test, which installs peers)`,
    );
  }
}

export function startPeer(
  name: string,
  cmd: string,
  args: string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): Peer {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
    detached: false,
  });
  closeSync(fd);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return {
    name,
    child,
    logFile,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async stop() {
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Resolves when host:port accepts a TCP connection; rejects after `timeoutMs` with the peer's log. */
export async function waitForPort(
  port: number,
  opts: { host?: string; timeoutMs?: number; peer?: Peer } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    if (opts.peer && opts.peer.child.exitCode !== null) {
      throw new Error(
        `${opts.peer.name} exited (${opts.peer.child.exitCode}) before listening:\n${opts.peer.log()}`,
      );
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: opts.host ?? '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(
        `nothing listens on ${opts.host ?? '127.0.0.1'}:${port}${opts.peer ? `\n${opts.peer.log()}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
