/**
 * SMTP receive benchmark: Postfix's smtp-source (10 KB messages, 20 and 100 sessions,
 * 20,000 messages) against (a) `mailctl serve` storing into Maildir, (b) a Postfix instance
 * delivering to Maildir, (c) smtp-sink as the ceiling — in the same run, interleaved
 * (a b c a b c …), reporting medians of accepted-and-stored messages per second, the
 * mailctl/Postfix ratio and mailctl's peak RSS.
 *
 *   npm run build && npx tsx bench/smtp/run.ts [--rounds 3] [--messages 20000] [--sessions 20,100]
 *
 * Old data is left in place (printed at the end): deleting many files slows later file
 * creation on this disk for minutes.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfigText } from '../../src/config/load.js';
import { openDirectory } from '../../src/directory/open.js';
import { makeCerts } from '../../test/helpers/certs.js';
import { startNsd, zone } from '../../test/helpers/nsd.js';
import { freePort, type Peer, requireProgram, startPeer, waitForPort } from '../../test/helpers/proc.js';
import { countNew, startPostfix } from './postfix.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    messages: { type: 'string', default: '20000' },
    sessions: { type: 'string', default: '20,100' },
    size: { type: 'string', default: '10240' },
    'no-sender-auth': { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const messages = Number(args.messages);
const sessionList = (args.sessions ?? '20,100').split(',').map(Number);
const size = Number(args.size);
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'mailctl-bench-smtp-'));
// Postfix's own users must be able to walk into it.
chmodSync(dir, 0o755);
const FROM = 'a@x.test';
/** A fresh mailbox per run, so no run pays for (or is helped by) an earlier run's mail. */
const rcptFor = (sessions: number, round: number) => `b${sessions}r${round}@y.test`;
const RCPTS = sessionList.flatMap((s) => Array.from({ length: rounds }, (_, r) => rcptFor(s, r)));
const peers: Peer[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function rssOf(pid: number): { rss: number; hwm: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function waitUntil(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setTimeout(r, 25));
}

/** Runs smtp-source; resolves with wall seconds. */
function smtpSource(port: number, sessions: number, rcpt: string): Promise<number> {
  const bin = requireProgram('smtp-source', 'postfix');
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const p = spawn(
      bin,
      [
        '-s',
        String(sessions),
        '-m',
        String(messages),
        '-l',
        String(size),
        '-f',
        FROM,
        '-t',
        rcpt,
        `127.0.0.1:${port}`,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    p.stderr.on('data', (d) => {
      if (err.length < 2000) err += d;
    });
    p.on('exit', (code) => {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) reject(new Error(`smtp-source exited ${code}: ${err}`));
      else {
        if (err) console.error(`smtp-source said: ${err.slice(0, 300)}`);
        resolve(secs);
      }
    });
  });
}

async function setupMailctl(): Promise<{ port: number; pid: number; maildirNew: (rcpt: string) => string }> {
  const certs = makeCerts(join(dir, 'mailctl', 'tls'));
  const nsd = await startNsd(join(dir, 'mailctl', 'tls'), {
    'x.test.': zone('x.test', '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc IN TXT "v=DMARC1; p=none"'),
  });
  peers.push(nsd.peer);
  const port = await freePort();
  const http = await freePort();
  const file = join(dir, 'mailctl', 'mailctl.toml');
  const toml = `hostname = "mailctl-bench.local"
data_dir = "data"
[listen]
smtp = "127.0.0.1:${port}"
submission = ""
submissions = ""
imap = ""
imaps = ""
pop3 = ""
pop3s = ""
http = "127.0.0.1:${http}"
[tls]
cert = "${certs.cert}"
key = "${certs.key}"
[dns]
servers = ["${nsd.server}"]
[smtp]
greeting_delay = 0
verify_sender_auth = ${!args['no-sender-auth']}
[log]
level = "warn"
file = "${join(dir, 'mailctl', 'mailctl.log')}"
`;
  writeFileSync(file, toml);
  const config = parseConfigText(toml, file, { privileged: false });
  const d = await openDirectory(config);
  await d.addDomain('y.test');
  for (const r of RCPTS) await d.addAccount({ address: r, password: 'bench-password-1' });
  await d.close();
  const serve = startPeer(
    'mailctl',
    process.execPath,
    [join(root, 'bin', 'mailctl.js'), 'serve', '--config', file],
    join(dir, 'mailctl', 'serve.log'),
  );
  peers.push(serve);
  await waitForPort(port, { peer: serve, timeoutMs: 30_000 });
  return {
    port,
    pid: serve.child.pid as number,
    maildirNew: (r) => join(dir, 'mailctl', 'data', 'mail', 'y.test', r.split('@')[0], 'Maildir', 'new'),
  };
}

interface Target {
  name: string;
  port: number;
  /** Messages stored so far for a recipient, or undefined for the sink. */
  stored?: (rcpt: string) => number;
  /** Postfix stores after its 250: wait for the files. */
  waitStored: boolean;
  pid?: number;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => {
    for (const p of peers) p.child.kill('SIGTERM');
    process.exit(130);
  });
  const mailctl = await setupMailctl();
  const pfPort = await freePort();
  let postfix: ReturnType<typeof startPostfix>;
  try {
    postfix = startPostfix(join(dir, 'postfix'), pfPort, RCPTS);
  } catch (e) {
    for (const p of peers) await p.stop();
    throw e;
  }
  await waitForPort(pfPort, { timeoutMs: 30_000 });
  const sinkPort = await freePort();
  const sink = startPeer(
    'smtp-sink',
    requireProgram('smtp-sink', 'postfix'),
    ['-u', 'nobody', `127.0.0.1:${sinkPort}`, '1024'],
    join(dir, 'sink.log'),
  );
  peers.push(sink);
  await waitForPort(sinkPort, { peer: sink });
  const minPort = await freePort();
  const minDir = join(dir, 'min-server', 'Maildir');
  const min = startPeer(
    'smtp-server-min',
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'min-server.ts'), String(minPort), minDir],
    join(dir, 'min-server.log'),
  );
  peers.push(min);
  await waitForPort(minPort, { peer: min, timeoutMs: 30_000 });
  const targets: Target[] = [
    {
      name: 'mailctl',
      port: mailctl.port,
      stored: (r) => countNew(mailctl.maildirNew(r)),
      waitStored: false,
      pid: mailctl.pid,
    },
    { name: 'postfix', port: pfPort, stored: (r) => countNew(postfix.maildirNew(r)), waitStored: true },
    {
      name: 'min-smtp-server',
      port: minPort,
      stored: () => countNew(join(minDir, 'new')),
      waitStored: false,
    },
    { name: 'smtp-sink', port: sinkPort, waitStored: false },
  ];
  const results: Record<string, Record<number, number[]>> = {};
  const peakRss: Record<number, number> = {};
  console.error(
    `bench dir ${dir}; ${messages} × ${size} B per run, ${rounds} rounds, sessions ${sessionList.join(',')}`,
  );
  try {
    for (const sessions of sessionList) {
      for (let r = 0; r < rounds; r++) {
        for (const t of targets) {
          const rcpt = rcptFor(sessions, r);
          const before = t.stored?.(rcpt) ?? 0;
          let peak = 0;
          const sampler = t.pid
            ? setInterval(() => {
                peak = Math.max(peak, rssOf(t.pid as number).rss);
              }, 100)
            : undefined;
          const t0 = process.hrtime.bigint();
          const sourceSecs = await smtpSource(t.port, sessions, rcpt);
          if (t.waitStored && t.stored) await waitUntil(() => (t.stored?.(rcpt) ?? 0) - before >= messages);
          const secs = t.waitStored ? Number(process.hrtime.bigint() - t0) / 1e9 : sourceSecs;
          clearInterval(sampler);
          const stored = t.stored ? t.stored(rcpt) - before : messages;
          if (stored < messages) console.error(`${t.name}: only ${stored} of ${messages} stored`);
          const rate = stored / secs;
          ((results[t.name] ??= {})[sessions] ??= []).push(rate);
          if (t.pid) peakRss[sessions] = Math.max(peakRss[sessions] ?? 0, peak);
          console.error(
            `c=${sessions} round ${r + 1} ${t.name.padEnd(15)} ${rate.toFixed(0).padStart(6)} msg/s (${secs.toFixed(1)} s)${t.pid ? ` rss peak ${(peak / 1e6).toFixed(0)} MB` : ''}`,
          );
        }
      }
    }
  } finally {
    const hwm = rssOf(mailctl.pid).hwm;
    postfix.stop();
    for (const p of peers.reverse()) await p.stop();
    const out = { messages, size, rounds, sessions: sessionList, results, peakRss, mailctlVmHWM: hwm, dir };
    console.log(JSON.stringify(out, null, 2));
    for (const s of sessionList) {
      const m = median(results.mailctl?.[s] ?? [0]);
      const p = median(results.postfix?.[s] ?? [1]);
      const k = median(results['smtp-sink']?.[s] ?? [0]);
      const z = median(results['min-smtp-server']?.[s] ?? [0]);
      console.error(
        `c=${s}: mailctl ${m.toFixed(0)}  postfix ${p.toFixed(0)}  min-smtp-server ${z.toFixed(0)}  smtp-sink ${k.toFixed(0)} msg/s  ratio ${(m / p).toFixed(2)}×  mailctl peak RSS ${((peakRss[s] ?? 0) / 1e6).toFixed(0)} MB`,
      );
    }
    console.error(`data left in ${dir} (move it aside or delete it later)`);
  }
}

await main();
