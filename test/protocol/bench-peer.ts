/**
 * Starts the real daemon (bench-daemon.child.ts) in a separate process for the bench tests,
 * so the load generator and the server neither share an event loop nor CPU accounting.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface DaemonProcess {
  pid: number;
  dir: string;
  ca: string;
  smtp: number;
  submission: number;
  imap: number;
  imaps: number;
  stop(): Promise<void>;
}

export async function startDaemonProcess(): Promise<DaemonProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'bench-daemon.child.ts')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) =>
      reject(new Error(`daemon exited (${code}) before it was ready:\n${stderr}`)),
    );
  });
  const info = JSON.parse(first) as Omit<DaemonProcess, 'stop'>;
  return {
    ...info,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
