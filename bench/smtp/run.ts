/**
 * SMTP receive benchmark: Postfix's smtp-source (10 KB messages, 20 and 100 sessions,
 * 20,000 messages) against (a) `mailctl serve` storing into Maildir, (b) a Postfix instance
 * delivering to Maildir, (c) a minimal smtp-server script with fsync, (d) smtp-sink as the
 * ceiling — in the same run, interleaved (a b c d a b c d …), reporting medians of
 * accepted-and-stored messages per second, the ratio to Postfix, CPU ms per message of the
 * Node receivers and their peak RSS.
 *
 *   npm run build && npx tsx bench/smtp/run.ts [--rounds 3] [--messages 20000] [--sessions 20,100]
 *     [--variants "verify_sender_auth=false;bin=/other/build/bin/mailctl.js"]
 *     [--targets mailctl,min-smtp-server] ["--node-args=--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *
 * Old data is left in place (printed at the end): deleting many files slows later file
 * creation on this disk for minutes.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
    /**
     * Extra mailctl rows, ";"-separated, each a ","-separated list of [smtp] settings, e.g.
     * "verify_sender_auth=false;bin=/tmp/old/bin/mailctl.js". Each runs as "mailctl[<settings>]";
     * bin= names another build of mailctl to run (before/after in the same run).
     */
    variants: { type: 'string', default: '' },
    /** Comma-separated subset of mailctl,postfix,min-smtp-server,smtp-sink (profiling runs). */
    targets: { type: 'string', default: 'mailctl,postfix,min-smtp-server,smtp-sink' },
    /** Extra node flags for `mailctl serve`, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'node-args': { type: 'string', default: '' },
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

/** Fields of /proc/PID/stat after the command name (field 3 of stat(5) is index 0). */
function statOf(pid: number): string[] | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return f.slice(f.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process and its direct children (SMTP workers). */
function treeOf(pid: number): number[] {
  const kids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => statOf(p)?.[1] === String(pid));
  return [pid, ...kids];
}

/** CPU time (user + system, all threads) the process and its children used so far, in ms. */
function cpuMsOf(pid: number): number {
  let ms = 0;
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks of 10 ms.
  for (const p of treeOf(pid)) {
    const st = statOf(p);
    if (st) ms += (Number(st[11]) + Number(st[12])) * 10;
  }
  return ms;
}

/** Summed RSS of the process and its children. */
function treeRss(pid: number): number {
  let rss = 0;
  for (const p of treeOf(pid)) {
    try {
      rss += rssOf(p).rss;
    } catch {}
  }
  return rss;
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

/** The [smtp] section: the benchmark's settings, overridden by a variant's. */
function smtpLines(extra: string[]): string {
  const kv = new Map<string, string>([
    ['greeting_delay', '0'],
    ['verify_sender_auth', String(!args['no-sender-auth'])],
  ]);
  for (const e of extra) {
    const [k, v] = e.split('=').map((x) => x.trim());
    kv.set(k, v);
  }
  return [...kv].map(([k, v]) => `${k} = ${v}`).join('\n');
}

/**
 * One `mailctl serve` in its own directory. `smtpExtra` is added to its [smtp] section
 * ("workers = 2", "verify_sender_auth = false" …) for the extra, labelled variants.
 */
async function setupMailctl(
  sub: string,
  smtpExtra: string[],
  bin = join(root, 'bin', 'mailctl.js'),
): Promise<{ port: number; pid: number; maildirNew: (rcpt: string) => string }> {
  const base = join(dir, sub);
  const certs = makeCerts(join(base, 'tls'));
  const nsd = await startNsd(join(base, 'tls'), {
    'x.test.': zone('x.test', '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc IN TXT "v=DMARC1; p=none"'),
  });
  peers.push(nsd.peer);
  const port = await freePort();
  const http = await freePort();
  const file = join(base, 'mailctl.toml');
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
${smtpLines(smtpExtra)}
[log]
level = "warn"
file = "${join(base, 'mailctl.log')}"
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
    [...(args['node-args'] ?? '').split(' ').filter(Boolean), bin, 'serve', '--config', file],
    join(base, 'serve.log'),
  );
  peers.push(serve);
  await waitForPort(port, { peer: serve, timeoutMs: 30_000 });
  return {
    port,
    pid: serve.child.pid as number,
    maildirNew: (r) => join(base, 'data', 'mail', 'y.test', r.split('@')[0], 'Maildir', 'new'),
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
  /** Process whose CPU time is counted per message. */
  cpuPid?: number;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => {
    for (const p of peers) p.child.kill('SIGTERM');
    process.exit(130);
  });
  const mailctl = await setupMailctl('mailctl', []);
  const variants = (args.variants ?? '').split(';').filter(Boolean);
  const extra: Target[] = [];
  for (const [i, v] of variants.entries()) {
    // "bin=/path/to/bin/mailctl.js" runs another build (a before/after comparison in one run).
    const kvs = v.split(',');
    const bin = kvs.find((kv) => kv.startsWith('bin='))?.slice(4);
    const m = await setupMailctl(
      `mailctl-v${i + 1}`,
      kvs.filter((kv) => !kv.startsWith('bin=')),
      bin,
    );
    extra.push({
      name: `mailctl[${v}]`,
      port: m.port,
      stored: (r) => countNew(m.maildirNew(r)),
      waitStored: false,
      pid: m.pid,
      cpuPid: m.pid,
    });
  }
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
  const wanted = new Set((args.targets ?? '').split(','));
  const all: Target[] = [
    {
      name: 'mailctl',
      port: mailctl.port,
      stored: (r) => countNew(mailctl.maildirNew(r)),
      waitStored: false,
      pid: mailctl.pid,
      cpuPid: mailctl.pid,
    },
    ...extra,
    { name: 'postfix', port: pfPort, stored: (r) => countNew(postfix.maildirNew(r)), waitStored: true },
    {
      name: 'min-smtp-server',
      port: minPort,
      stored: () => countNew(join(minDir, 'new')),
      waitStored: false,
      cpuPid: min.child.pid,
    },
    { name: 'smtp-sink', port: sinkPort, waitStored: false },
  ];
  for (const t of extra) wanted.add(t.name);
  const targets = all.filter((t) => wanted.has(t.name));
  const results: Record<string, Record<number, number[]>> = {};
  /** Peak summed RSS (process + workers) per target and concurrency. */
  const peakRss: Record<string, Record<number, number>> = {};
  /** CPU ms per stored message of the Node receivers (mailctl, minimal script), per round. */
  const cpuPerMsg: Record<string, Record<number, number[]>> = {};
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
                peak = Math.max(peak, treeRss(t.pid as number));
              }, 100)
            : undefined;
          const cpu0 = t.cpuPid ? cpuMsOf(t.cpuPid) : 0;
          const t0 = process.hrtime.bigint();
          const sourceSecs = await smtpSource(t.port, sessions, rcpt);
          if (t.waitStored && t.stored) await waitUntil(() => (t.stored?.(rcpt) ?? 0) - before >= messages);
          const secs = t.waitStored ? Number(process.hrtime.bigint() - t0) / 1e9 : sourceSecs;
          clearInterval(sampler);
          const stored = t.stored ? t.stored(rcpt) - before : messages;
          if (stored < messages) console.error(`${t.name}: only ${stored} of ${messages} stored`);
          const rate = stored / secs;
          ((results[t.name] ??= {})[sessions] ??= []).push(rate);
          if (t.pid) (peakRss[t.name] ??= {})[sessions] = Math.max(peakRss[t.name]?.[sessions] ?? 0, peak);
          const cpu = t.cpuPid ? (cpuMsOf(t.cpuPid) - cpu0) / stored : undefined;
          if (cpu !== undefined) ((cpuPerMsg[t.name] ??= {})[sessions] ??= []).push(cpu);
          console.error(
            `c=${sessions} round ${r + 1} ${t.name.padEnd(15)} ${rate.toFixed(0).padStart(6)} msg/s (${secs.toFixed(1)} s)${cpu !== undefined ? ` cpu ${cpu.toFixed(2)} ms/msg` : ''}${t.pid ? ` rss peak ${(peak / 1e6).toFixed(0)} MB` : ''} load ${loadavg()[0].toFixed(1)}`,
          );
        }
      }
    }
  } finally {
    const hwm = rssOf(mailctl.pid).hwm;
    postfix.stop();
    for (const p of peers.reverse()) await p.stop();
    const out = {
      messages,
      size,
      rounds,
      sessions: sessionList,
      results,
      cpuPerMsg,
      peakRss,
      mailctlVmHWM: hwm,
      dir,
    };
    console.log(JSON.stringify(out, null, 2));
    for (const s of sessionList) {
      const p = median(results.postfix?.[s] ?? [Number.NaN]);
      for (const name of Object.keys(results)) {
        const rate = median(results[name]?.[s] ?? [0]);
        const cpu = cpuPerMsg[name]?.[s];
        const rss = peakRss[name]?.[s];
        console.error(
          `c=${s}: ${name.padEnd(40)} ${rate.toFixed(0).padStart(6)} msg/s  ${(rate / p).toFixed(2)}× postfix${cpu ? `  cpu ${median(cpu).toFixed(2)} ms/msg` : ''}${rss ? `  peak RSS ${(rss / 1e6).toFixed(0)} MB` : ''}`,
        );
      }
    }
    console.error(`data left in ${dir} (move it aside or delete it later)`);
  }
}

await main();
