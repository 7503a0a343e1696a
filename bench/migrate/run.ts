/**
 * bench/migrate: the same legacy corpus (default 4 users × 2,600 messages, ≥ 500 MB) served
 * by a real Dovecot 2.3, migrated into a fresh second Dovecot by mailctl, doveadm backup
 * (dsync over imapc), mbsync and imapsync (path from IMAPSYNC=), and by mailctl into its
 * own store — each tool a full run then a no-change re-run, 4 users at once for every
 * tool, rounds interleaved. Wall time and peak RSS come from GNU time.
 *
 *   npm run build && npx tsx bench/migrate/run.ts [--users 4] [--messages 2600] [--avg-bytes 48000] [--rounds 1]
 *
 * `--other-bin DIR/bin/mailctl.js` adds a row for another build of mailctl into the store
 * (a before/after comparison in the same run). `--tools store,doveadm` runs only the tools whose names contain those words.
 *
 * Output: a Markdown table on stdout and bench/out/migrate.json. Nothing is committed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generateCorpus, type Manifest } from '../../fixtures/corpus/generate.js';
import { startDovecot } from '../../test/helpers/dovecot.js';
import { MASTER, startCorpusSource } from './corpus-source.js';

const argv = process.argv.slice(2);
const arg = (n: string, d: number) => (argv.includes(n) ? Number(argv[argv.indexOf(n) + 1]) : d);
const opts = {
  seed: 1,
  users: arg('--users', 4),
  messagesPerUser: arg('--messages', 2600),
  avgBytes: arg('--avg-bytes', 48000),
  bigAttachments: 8,
};
const rounds = arg('--rounds', 1);
const W = resolve(process.env.BENCH_DIR ?? '/tmp/mailctl-bench-migrate');
const ROOT = resolve(import.meta.dirname, '../..');
mkdirSync(W, { recursive: true });

function corpus(): Manifest {
  const mf = join(W, 'corpus', 'manifest.json');
  if (existsSync(mf)) {
    const m = JSON.parse(readFileSync(mf, 'utf8')) as Manifest;
    if (JSON.stringify(m.options) === JSON.stringify(opts)) return m;
    renameSync(join(W, 'corpus'), join(W, `corpus.old.${Date.now()}`));
  }
  return generateCorpus(join(W, 'corpus'), opts).manifest;
}

interface Measure {
  seconds: number;
  peakRssMB: number;
  /** 1-minute load average when the measurement started (the machine is shared). */
  load: number;
}

/** Runs commands in parallel under GNU time; wall time of the whole batch, the largest RSS. */
/**
 * The same start for every full run: dirty pages written, the page cache emptied, then the
 * source corpus read back in (the source Dovecot serves it from memory to every tool).
 * Without it, what earlier runs left in memory moved mailctl → store between 5.2 and 9.9 s
 * on the same build. Needs root (drop_caches); without it runs start as they find the cache.
 */
function settle(): boolean {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    return false;
  }
  execFileSync('sh', [
    '-c',
    `find '${join(W, 'corpus', 'maildir')}' -type f -print0 | xargs -0 cat > /dev/null`,
  ]);
  return true;
}
let settled: boolean | undefined;

async function measure(
  cmds: { cmd: string; args: string[]; env?: NodeJS.ProcessEnv }[],
  label: string,
): Promise<Measure> {
  if (label.endsWith('-full')) {
    const ok = settle();
    if (settled === undefined)
      console.error(
        ok
          ? 'page cache emptied and corpus re-read before each full run'
          : 'not root: page cache left as it is between runs',
      );
    settled = ok;
  }
  const t0 = performance.now();
  const load = loadavg()[0];
  const rss = await Promise.all(
    cmds.map(
      (c, i) =>
        new Promise<number>((res, rej) => {
          const out = join(W, `${label}.${i}.time`);
          const log = join(W, `${label}.${i}.log`);
          const p = spawn('/usr/bin/time', ['-f', '%M', '-o', out, c.cmd, ...c.args], {
            env: { ...process.env, ...c.env },
            stdio: ['ignore', 'ignore', 'ignore'],
          });
          void log;
          p.once('exit', (code) => {
            const kb = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
            if (code !== 0) rej(new Error(`${label} ${c.cmd} exited ${code}: ${readFileSync(out, 'utf8')}`));
            else res(kb / 1024);
          });
        }),
    ),
  );
  return { seconds: (performance.now() - t0) / 1000, peakRssMB: Math.max(...rss), load };
}

type Tool =
  | 'mailctl→dovecot'
  | 'mailctl→dovecot (STARTTLS)'
  | 'mailctl→store'
  | 'mailctl→store [--other-bin]'
  | 'doveadm backup'
  | 'mbsync'
  | 'imapsync';

async function runTool(
  tool: Tool,
  round: number,
  m: Manifest,
  srcPort: number,
): Promise<{ full: Measure; again: Measure; stored: number }> {
  const dir = join(W, `r${round}-${tool.replace(/[^A-Za-z]/g, '')}`);
  if (existsSync(dir)) renameSync(dir, `${dir}.old.${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const users = m.users.map((u) => u.name);
  const bin = tool.includes('--other-bin') ? otherBin! : join(ROOT, 'bin/mailctl.js');
  if (tool.startsWith('mailctl→store')) {
    writeFileSync(
      join(dir, 'mailctl.toml'),
      `hostname = "mx.bench.test"\ndata_dir = "data"\n[store]\nfsync = true\n`,
    );
    const args = [
      'bin/mailctl.js',
      '-c',
      join(dir, 'mailctl.toml'),
      'migrate',
      '--from',
      `imap://127.0.0.1:${srcPort}`,
      '--users',
      join(W, 'users.csv'),
      '--master',
      MASTER.user,
      '--insecure',
      '--no-starttls',
      '--parallel',
      '4',
      '--target-domain',
      'bench.test',
      '--state',
      join(dir, 'state.sqlite'),
      '--json',
    ];
    const env = { MAILCTL_MASTER_PASSWORD: MASTER.password };
    const full = await measure(
      [{ cmd: process.execPath, args: args.map((a) => (a === 'bin/mailctl.js' ? bin : a)), env }],
      `${tool}-${round}-full`,
    );
    const again = await measure(
      [{ cmd: process.execPath, args: args.map((a) => (a === 'bin/mailctl.js' ? bin : a)), env }],
      `${tool}-${round}-again`,
    );
    const stored = Number(
      execFileSync('sh', ['-c', `find ${dir}/data/mail -path '*/cur/*' -o -path '*/new/*' -type f | wc -l`], {
        encoding: 'utf8',
      }),
    );
    return { full, again, stored };
  }
  const dst = await startDovecot({
    dir: join(dir, 'dc'),
    mailRoot: join(dir, 'mail'),
    mailPath: '%n/Maildir',
    separator: '/',
    users: m.users.map((u) => ({ user: u.name, password: u.password })),
    master: MASTER,
    extraConf: 'mail_fsync = optimized\n',
  });
  try {
    const per = (f: (u: string) => { cmd: string; args: string[]; env?: NodeJS.ProcessEnv }) => users.map(f);
    let cmds: { cmd: string; args: string[]; env?: NodeJS.ProcessEnv }[];
    if (tool === 'mailctl→dovecot' || tool === 'mailctl→dovecot (STARTTLS)') {
      cmds = [
        {
          cmd: process.execPath,
          args: [
            join(ROOT, 'bin/mailctl.js'),
            'migrate',
            '--from',
            `imap://127.0.0.1:${srcPort}`,
            '--to',
            `imap://127.0.0.1:${dst.imapPort}`,
            '--users',
            join(W, 'users.csv'),
            '--master',
            MASTER.user,
            '--to-master',
            MASTER.user,
            '--insecure',
            // the other tools talk plain IMAP on loopback; the STARTTLS row shows what TLS costs
            ...(tool === 'mailctl→dovecot' ? ['--no-starttls'] : []),
            '--parallel',
            '4',
            '--state',
            join(dir, 'state.sqlite'),
            '--json',
          ],
          env: { MAILCTL_MASTER_PASSWORD: MASTER.password, MAILCTL_TO_MASTER_PASSWORD: MASTER.password },
        },
      ];
    } else if (tool === 'doveadm backup') {
      cmds = per((u) => ({
        cmd: 'doveadm',
        args: [
          '-c',
          dst.configFile,
          '-o',
          'imapc_host=127.0.0.1',
          '-o',
          `imapc_port=${srcPort}`,
          '-o',
          `imapc_user=${u}`,
          '-o',
          `imapc_master_user=${MASTER.user}`,
          '-o',
          `imapc_password=${MASTER.password}`,
          '-o',
          'imapc_features=rfc822.size fetch-headers modseq',
          '-o',
          'imapc_ssl=no',
          'backup',
          '-R',
          '-u',
          u,
          'imapc:',
        ],
      }));
    } else if (tool === 'mbsync') {
      cmds = per((u) => {
        const rc = join(dir, `mbsyncrc.${u}`);
        mkdirSync(join(dir, 'mbsync-state', u), { recursive: true });
        const store = (name: string, port: number) =>
          `IMAPStore ${name}\nHost 127.0.0.1\nPort ${port}\nUser ${u}*${MASTER.user}\nPass ${MASTER.password}\nSSLType None\nAuthMechs LOGIN\n\n`;
        writeFileSync(
          rc,
          `${store('src', srcPort)}${store('dst', dst.imapPort)}Channel ch\nFar :src:\nNear :dst:\nPatterns *\nCreate Near\nSync Pull\nSyncState ${join(dir, 'mbsync-state', u)}/\n`,
        );
        return { cmd: 'mbsync', args: ['-q', '-c', rc, '-a'] };
      });
    } else {
      const imapsync = process.env.IMAPSYNC ?? '';
      cmds = per((u) => ({
        cmd: 'perl',
        args: [
          imapsync,
          '--host1',
          '127.0.0.1',
          '--port1',
          String(srcPort),
          '--user1',
          u,
          '--authuser1',
          MASTER.user,
          '--password1',
          MASTER.password,
          '--host2',
          '127.0.0.1',
          '--port2',
          String(dst.imapPort),
          '--user2',
          u,
          '--authuser2',
          MASTER.user,
          '--password2',
          MASTER.password,
          '--nossl1',
          '--nossl2',
          '--notls1',
          '--notls2',
          '--noreleasecheck',
          '--nolog',
          '--tmpdir',
          dir,
        ],
      }));
    }
    const label = tool.replace(/\W/g, '');
    const full = await measure(cmds, `${label}-${round}-full`);
    const again = await measure(cmds, `${label}-${round}-again`);
    const stored = users.reduce(
      (a, u) =>
        a +
        Number(
          dst
            .doveadm(['-f', 'flow', 'mailbox', 'status', '-u', u, 'messages', '*'])
            .split('\n')
            .reduce((s, l) => s + Number(/messages=(\d+)/.exec(l)?.[1] ?? 0), 0),
        ),
      0,
    );
    return { full, again, stored };
  } finally {
    await dst.stop();
  }
}

const m = corpus();
writeFileSync(
  join(W, 'users.csv'),
  `source_user,source_password,target_user\n${m.users.map((u) => `${u.name},,${u.name}`).join('\n')}\n`,
);
const src = await startCorpusSource(W, m, 'src-dc');
const tools: Tool[] = [
  'mailctl→dovecot',
  'doveadm backup',
  'mbsync',
  'mailctl→store',
  'mailctl→dovecot (STARTTLS)',
];
if (process.env.IMAPSYNC) tools.push('imapsync');
// --other-bin /path/to/bin/mailctl.js: another build into the store too (before/after in one run)
const otherBin = argv.includes('--other-bin') ? resolve(argv[argv.indexOf('--other-bin') + 1]) : undefined;
if (otherBin) tools.push('mailctl→store [--other-bin]');
// --tools store,doveadm: only the tools whose name contains one of the words (quick reruns)
const only = argv.includes('--tools') ? argv[argv.indexOf('--tools') + 1].split(',') : undefined;
if (only) tools.splice(0, tools.length, ...tools.filter((t) => only.some((w) => t.includes(w))));
const results: { tool: Tool; round: number; full: Measure; again: Measure; stored: number }[] = [];
try {
  for (const u of m.users) src.doveadm(['index', '-u', u.name, '*']);
  for (let r = 0; r < rounds; r++) {
    for (const tool of r % 2 ? [...tools].reverse() : tools) {
      const res = await runTool(tool, r, m, src.imapPort);
      results.push({ tool, round: r, ...res });
      process.stderr.write(
        `${tool} round ${r}: full ${res.full.seconds.toFixed(1)} s (load ${res.full.load.toFixed(1)}), again ${res.again.seconds.toFixed(2)} s (load ${res.again.load.toFixed(1)}), RSS ${res.full.peakRssMB.toFixed(0)} MB, stored ${res.stored}/${m.totals.messages}\n`,
      );
    }
  }
} finally {
  await src.stop();
}
mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench', 'out', 'migrate.json'),
  JSON.stringify({ options: opts, totals: m.totals, results }, null, 2),
);
/** Median; the mean of the middle two for an even count. */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const mb = m.totals.bytes / 1e6;
console.log(
  `corpus: ${m.users.length} users, ${m.totals.messages} messages, ${mb.toFixed(0)} MB; ${rounds} round(s), medians\n`,
);
const fullOf = (t: Tool) => median(results.filter((r) => r.tool === t).map((r) => r.full.seconds));
const dsync = fullOf('doveadm backup');
console.log(
  '| tool | full run s | msg/s | MB/s | × dsync rate | no-change re-run s | peak RSS MB | messages stored | load avg (full / re-run) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const t of tools) {
  const rs = results.filter((r) => r.tool === t);
  const full = fullOf(t);
  const rss = median(rs.map((r) => Math.max(r.full.peakRssMB, r.again.peakRssMB)));
  const load = `${rs.map((r) => r.full.load.toFixed(1)).join(', ')} / ${rs.map((r) => r.again.load.toFixed(1)).join(', ')}`;
  console.log(
    `| ${t} | ${full.toFixed(1)} | ${(m.totals.messages / full).toFixed(0)} | ${(mb / full).toFixed(1)} | ${(dsync / full).toFixed(2)} | ${median(rs.map((r) => r.again.seconds)).toFixed(2)} | ${rss.toFixed(0)} | ${rs.map((r) => r.stored).join(', ')} | ${load} |`,
  );
}
