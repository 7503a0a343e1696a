/**
 * Peers for the queue tests: Postfix's smtp-sink as the remote MX (on its own loopback
 * address, so NSD can point each test domain at a sink with different behaviour), a DKIM
 * key published in the NSD zone, and waiting for the runner's events.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptedEvent } from '../../src/server/queue/runner.js';
import type { Spool } from '../../src/server/queue/spool.js';
import { type Peer, requireProgram, startPeer, waitForPort } from '../helpers/proc.js';

export interface Sink {
  peer: Peer;
  host: string;
  dumpDir: string;
  /** Every dumped transaction: smtp-sink's X-* envelope lines, then the message (LF line ends). */
  dumps(): { rcpts: string[]; from: string; message: string }[];
  stop(): Promise<void>;
}

export async function startSink(dir: string, host: string, port: number, args: string[] = []): Promise<Sink> {
  const sink = requireProgram('smtp-sink', 'postfix');
  const dumpDir = join(dir, `dump-${host}`);
  mkdirSync(dumpDir, { recursive: true });
  chmodSync(dir, 0o755); // smtp-sink drops to nobody before writing: the path must be reachable
  chmodSync(dumpDir, 0o777);
  const peer = startPeer(
    `smtp-sink ${host}`,
    sink,
    ['-u', 'nobody', '-d', `${dumpDir}/%s.`, ...args, `${host}:${port}`, '50'],
    join(dir, `sink-${host}.log`),
  );
  await waitForPort(port, { host, peer });
  return {
    peer,
    host,
    dumpDir,
    // Names are "<epoch seconds>.<random>": order by modification time (ns on ext4) instead.
    dumps: () =>
      readdirSync(dumpDir)
        .map((f) => ({ f, t: statSync(join(dumpDir, f)).mtimeMs }))
        .sort((a, b) => a.t - b.t)
        .map(({ f }) => parseDump(readFileSync(join(dumpDir, f), 'utf8'))),
    stop: () => peer.stop(),
  };
}

function parseDump(text: string): { rcpts: string[]; from: string; message: string } {
  const lines = text.split('\n');
  const rcpts: string[] = [];
  let from = '';
  let i = 0;
  for (; i < lines.length && /^X-[A-Za-z-]+: /.test(lines[i]); i++) {
    const m = /^X-(Mail|Rcpt)-Args: <([^>]*)>/.exec(lines[i]);
    if (m?.[1] === 'Mail') from = m[2];
    if (m?.[1] === 'Rcpt') rcpts.push(m[2]);
  }
  return { rcpts, from, message: lines.slice(i).join('\n') };
}

/** An RSA DKIM key made with openssl, and the TXT record text to publish it. */
export function makeDkimKey(dir: string): { keyFile: string; txt: string } {
  const keyFile = join(dir, 'dkim.pem');
  execFileSync(
    requireProgram('openssl', 'openssl'),
    ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile],
    {
      stdio: 'ignore',
    },
  );
  const p = createPublicKey(readFileSync(keyFile)).export({ type: 'spki', format: 'der' }).toString('base64');
  const value = `v=DKIM1; k=rsa; p=${p}`;
  const chunks = value.match(/.{1,200}/g) ?? [];
  return { keyFile, txt: `( ${chunks.map((c) => `"${c}"`).join(' ')} )` };
}

/** Waits for the runner's next recorded attempt for `id` (optionally the final one). */
export async function attempted(
  spool: Spool,
  id: string,
  opts: { done?: boolean } = {},
): Promise<AttemptedEvent> {
  for (;;) {
    const [e] = (await once(spool, 'attempted')) as [AttemptedEvent];
    if (e.id === id && (!opts.done || e.done)) return e;
  }
}

/**
 * Verifies a message with opendkim-testmsg (libopendkim, an independent implementation).
 * It asks DNS through the system resolver, which only speaks to port 53, so the key is
 * served by an NSD on 127.0.0.N:53 and the verifier runs in a private mount namespace
 * whose /etc/resolv.conf points there (the machine's own resolv.conf is untouched).
 */
export async function opendkimVerify(
  dir: string,
  eml: string,
  zones: Record<string, string>,
): Promise<{ ok: boolean; output: string }> {
  const testmsg = requireProgram('opendkim-testmsg', 'opendkim-tools');
  const unshare = requireProgram('unshare', 'util-linux');
  const host = `127.0.0.${100 + Math.floor(Math.random() * 150)}`;
  const nsdDir = join(dir, `nsd53-${host}`);
  mkdirSync(nsdDir, { recursive: true });
  const blocks = Object.entries(zones)
    .map(([origin, text]) => {
      const file = `${origin.replace(/\.$/, '')}.zone`;
      writeFileSync(join(nsdDir, file), text);
      return `zone:\n  name: "${origin}"\n  zonefile: "${file}"\n`;
    })
    .join('\n');
  const conf = join(nsdDir, 'nsd.conf');
  writeFileSync(
    conf,
    `server:\n  ip-address: ${host}@53\n  username: ""\n  zonesdir: "${nsdDir}"\n  pidfile: "${nsdDir}/nsd.pid"\n  database: ""\n` +
      `  xfrdfile: "${nsdDir}/xfrd.state"\n  zonelistfile: "${nsdDir}/zone.list"\n  logfile: "${nsdDir}/nsd.log"\n  server-count: 1\n\nremote-control:\n  control-enable: no\n\n${blocks}`,
  );
  const peer = startPeer('nsd:53', requireProgram('nsd', 'nsd'), ['-d', '-c', conf], join(nsdDir, 'nsd.out'));
  try {
    await waitForPort(53, { host, peer });
    writeFileSync(join(nsdDir, 'resolv.conf'), `nameserver ${host}\noptions attempts:1 timeout:2\n`);
    const script = `mount --bind ${join(nsdDir, 'resolv.conf')} /etc/resolv.conf && ${testmsg} < ${eml}`;
    try {
      const output = execFileSync(unshare, ['-m', 'sh', '-c', script], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { ok: true, output };
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; status?: number };
      return { ok: false, output: `exit ${x.status}: ${x.stdout ?? ''}${x.stderr ?? ''}` };
    }
  } finally {
    await peer.stop();
  }
}
