/**
 * IMAP benchmark: the same Maildir INBOX served by mailctl and by Dovecot in the same run,
 * interleaved (A B A B …), medians reported. Then N concurrent IDLE sessions against
 * mailctl, with the server's RSS before and after.
 *
 *   node --import tsx bench/imap/run.ts [--messages 10000] [--rounds 5] [--idle 10000]
 *
 * Both servers check the same argon2id password hash (mailctl's default scheme), so
 * login+SELECT compares like with like. Prints a Markdown section for bench/RESULTS.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { argon2Backend } from '../../src/auth/argon2.js';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { loadConfig } from '../../src/config/load.js';
import { openDirectory } from '../../src/directory/open.js';
import { makeCerts } from '../../test/helpers/certs.js';
import { startDovecot } from '../../test/helpers/dovecot.js';
import { freePort, waitForPort } from '../../test/helpers/proc.js';
import { BenchClient } from './client.js';
import { NEEDLE, writeCorpus } from './corpus.js';
import { idleBench } from './idle.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    idle: { type: 'string', default: '10000' },
    dir: { type: 'string' },
  },
});
const N = Number(args.messages);
const ROUNDS = Number(args.rounds);
const IDLE = Number(args.idle);
const USER = 'alice@example.test';
const IDLE_USER = 'idle@example.test';
const PASS = 'bench-password-1';

/** 1-minute load averages sampled at each operation's start (the machine is shared). */
const loads: number[] = [];
const loadAvg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (m: string) => process.stderr.write(`${m}\n`);

async function setup(dir: string) {
  const certs = makeCerts(join(dir, 'tls'));
  const port = await freePort();
  const cfgFile = join(dir, 'mailctl.toml');
  writeFileSync(
    cfgFile,
    `hostname = "bench.example.test"
data_dir = "data"
[listen]
smtp = ""
submission = ""
submissions = ""
imap = "127.0.0.1:${port}"
imaps = ""
pop3 = ""
pop3s = ""
http = ""
[tls]
cert = "${certs.cert}"
key = "${certs.key}"
[imap]
allow_plaintext_login = true
auth_failure_delay = 0
max_connections_per_user = 20000
max_connections_per_ip = 20000
[log]
level = "warn"
file = "${join(dir, 'mailctl.log')}"
`,
  );
  const config = loadConfig({ file: cfgFile });
  const directory = await openDirectory(config);
  const hash = await hashPassword(PASS);
  await directory.addDomain('example.test');
  for (const u of [USER, IDLE_USER]) {
    await directory.addAccount({ address: u, passwordHash: hash });
  }
  await directory.close();
  const mailRoot = join(dir, 'data', 'mail');
  log(`writing ${N} messages…`);
  const bytes = await writeCorpus(mailRoot, USER, N);
  await writeCorpus(mailRoot, IDLE_USER, 20);
  return { certs, port, cfgFile, mailRoot, hash, bytes };
}

async function startMailctl(dir: string, cfgFile: string, port: number) {
  const out = openSync(join(dir, 'mailctl.out'), 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/imap/serve.ts', 'serve', '--config', cfgFile, '--only', 'imap'],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', out, out],
    },
  );
  await waitForPort(port, { timeoutMs: 30_000 });
  return child;
}

async function session(port: number): Promise<BenchClient> {
  const c = await BenchClient.connect(port);
  const l = await c.run(`LOGIN ${USER} ${PASS}`);
  if (!l.ok) throw new Error(`login failed on port ${port}: ${l.text}`);
  const s = await c.run('SELECT INBOX');
  if (!s.ok) throw new Error(`SELECT failed on port ${port}: ${s.text}`);
  return c;
}

type Op = { name: string; run: (port: number) => Promise<number> };

const ops: Op[] = [
  {
    name: 'FETCH 1:* BODY.PEEK[] (all bodies)',
    run: async (port) => {
      const c = await session(port);
      const r = await c.run('FETCH 1:* BODY.PEEK[]');
      c.close();
      if (!r.ok) throw new Error(r.text);
      return r.ms;
    },
  },
  {
    name: 'UID FETCH 1:* (FLAGS)',
    run: async (port) => {
      const c = await session(port);
      const r = await c.run('UID FETCH 1:* (FLAGS)');
      c.close();
      if (!r.ok) throw new Error(r.text);
      return r.ms;
    },
  },
  {
    name: `SEARCH TEXT ${NEEDLE}`,
    run: async (port) => {
      const c = await session(port);
      const r = await c.run(`SEARCH TEXT ${NEEDLE}`, true);
      c.close();
      const hits = (/\* SEARCH([\d ]*)/.exec(r.text)?.[1] ?? '').trim().split(' ').filter(Boolean).length;
      if (!r.ok || hits !== Math.floor((N - 7) / 100) + 1)
        throw new Error(`SEARCH found ${hits}: ${r.text.slice(0, 200)}`);
      return r.ms;
    },
  },
  {
    name: 'connect + LOGIN + SELECT',
    run: async (port) => {
      const t0 = performance.now();
      const c = await session(port);
      const ms = performance.now() - t0;
      c.close();
      return ms;
    },
  },
];

async function main() {
  const dir = args.dir ?? join('/tmp', `mailctl-bench-imap-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const { port, cfgFile, mailRoot, hash, bytes, certs } = await setup(dir);
  const dc = await startDovecot({
    dir: join(dir, 'dovecot'),
    mailRoot,
    users: [{ user: USER, password: PASS }],
    certs,
  });
  // Same argon2id hash for Dovecot (passwd-file is re-read when it changes).
  writeFileSync(join(dc.dir, 'passwd'), `${USER}:${hash}::::::\n`);
  let mailctl: ReturnType<typeof spawn>;
  try {
    mailctl = await startMailctl(dir, cfgFile, port);
  } catch (e) {
    await dc.stop();
    throw e;
  }
  const servers = [
    { name: 'mailctl', port },
    { name: 'dovecot', port: dc.imapPort },
  ];
  const results: Record<string, Record<string, number[]>> = {};
  try {
    // Warm-up: both build their indexes/caches and the page cache holds the files.
    for (const s of servers) for (const op of ops) await op.run(s.port);
    for (const op of ops) {
      results[op.name] = { mailctl: [], dovecot: [] };
      const reps = op.name.startsWith('connect') ? ROUNDS * 4 : ROUNDS;
      loads.push(loadAvg());
      for (let i = 0; i < reps; i++) {
        for (const s of servers) results[op.name][s.name].push(await op.run(s.port));
      }
      log(
        `${op.name}: mailctl ${median(results[op.name].mailctl).toFixed(1)} ms, dovecot ${median(results[op.name].dovecot).toFixed(1)} ms`,
      );
    }
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await verifyPassword(PASS, hash);
    const argonMs = (performance.now() - t0) / 20;
    const idle = IDLE > 0 ? await idleBench(port, mailctl.pid!, IDLE, IDLE_USER, PASS, log) : undefined;
    printMarkdown(results, { bytes, argonMs, idle });
  } finally {
    mailctl.kill('SIGTERM');
    await dc.stop();
  }
}

function printMarkdown(
  results: Record<string, Record<string, number[]>>,
  extra: { bytes: number; argonMs: number; idle?: Awaited<ReturnType<typeof idleBench>> },
) {
  const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], {
    encoding: 'utf8',
  }).trim();
  const lines = [
    '## IMAP (bench/imap)',
    '',
    `Same Maildir INBOX of ${N} messages (${(extra.bytes / 1e6).toFixed(1)} MB) served by mailctl and Dovecot 2.3 in one run, interleaved, ${ROUNDS} rounds (login: ${ROUNDS * 4}), medians, after one warm-up pass each. Plain IMAP on loopback, ${cpu}, 2 cores shared by client and server. Command: \`node --import tsx bench/imap/run.ts --messages ${N} --rounds ${ROUNDS} --idle ${IDLE}\`.`,
    '',
    `Load average (1 min) at the start of each operation: ${loads.join(', ')}.`,
    '',
    '| operation | mailctl (ms) | Dovecot (ms) | mailctl ÷ Dovecot time (lower is better; ≤ 1.0 meets the target) | per-round ratios |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const [name, r] of Object.entries(results)) {
    const a = median(r.mailctl);
    const b = median(r.dovecot);
    const perRound = r.mailctl.map((x, i) => (x / r.dovecot[i]).toFixed(2)).join(' ');
    lines.push(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} | ${perRound} |`);
  }
  lines.push(
    '',
    `Both servers verify the same argon2id hash (19 MiB, 2 passes) at login; one verification by mailctl's password code (${argon2Backend()} argon2, on the thread pool) takes ${extra.argonMs.toFixed(1)} ms here.`,
  );
  if (extra.idle) {
    const i = extra.idle;
    lines.push(
      '',
      `IDLE: ${i.sessions} concurrent sessions (each logged in, INBOX of 20 messages selected, in IDLE) held by one mailctl process: RSS ${(i.before / 1024).toFixed(0)} MiB before → ${(i.after / 1024).toFixed(0)} MiB with all sessions idling = ${((i.after - i.before) / i.sessions).toFixed(1)} KiB per session (target ≤ 100 KiB); peak RSS of the process (VmHWM) over the whole run ${(i.peak / 1024).toFixed(0)} MiB (≤ 1 GB: ${i.peak / 1024 / 1024 <= 1 ? 'met' : 'NOT met'}). Establishing them took ${(i.setupMs / 1000).toFixed(0)} s (${(i.sessions / (i.setupMs / 1000)).toFixed(0)} logins/s, ${i.concurrency} clients logging in at once, argon2id verification each). A delivery to the IDLE user was announced to all ${i.sessions} sessions in ${i.wakeMs.toFixed(0)} ms.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
