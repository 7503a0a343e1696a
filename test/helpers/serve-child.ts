/**
 * `mailctl serve` as a child process for the crash tests (kill -9 needs a real process),
 * and the tracked SMTP client they use to know exactly which messages got their 250.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type Peer, startPeer } from './proc.js';
import { RawSmtp } from './smtp-raw.js';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** The child runs dist/: refuse to test a stale build of the files that matter. */
export function assertFreshBuild(files: readonly string[]): void {
  for (const f of files) {
    const built = statSync(join(repoRoot, 'dist', `${f}.js`), { throwIfNoEntry: false });
    if (!built || built.mtimeMs < statSync(join(repoRoot, 'src', `${f}.ts`)).mtimeMs) {
      throw new Error(`dist/${f}.js is missing or older than src: run npm run build (npm test does)`);
    }
  }
}

export function startServe(configFile: string, logFile: string, name = 'mailctl-serve'): Peer {
  return startPeer(
    name,
    process.execPath,
    [join(repoRoot, 'bin', 'mailctl.js'), 'serve', '--config', configFile],
    logFile,
  );
}

export interface TrackedMail {
  from: string;
  to: (id: string) => string[];
  body: (id: string) => string;
}

/** Sends messages one after another until told to stop; records the id of each that got 250. */
export async function trackedClient(
  port: number,
  n: number,
  ok: Set<string>,
  stop: { now: boolean },
  mail: TrackedMail,
): Promise<void> {
  let c: RawSmtp;
  try {
    c = await RawSmtp.open(port);
    await c.reply();
    await c.cmd(`EHLO tracked${n}.example.net`);
  } catch {
    return;
  }
  for (let i = 0; !stop.now; i++) {
    const id = `c${n}-m${i}`;
    try {
      const r = await c.send(mail.from, mail.to(id), mail.body(id));
      if (r.code === 250) ok.add(id);
    } catch {
      return; // the daemon died under us: that message did not get its 250
    }
  }
  c.close();
}
