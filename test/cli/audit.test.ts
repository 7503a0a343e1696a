/**
 * `mailctl audit` through the real binary (bin/mailctl.js → dist) against the audit test
 * world: --json shape, exit codes 0/1/2/4, Markdown and HTML, plain progress lines, the
 * live view on a terminal, and bad input (syntax, NXDOMAIN, silent resolver, broken MX).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import type { AuditReport } from '../../src/audit/result.js';
import { type AuditWorld, startAuditWorld } from '../helpers/audit-world.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'mailctl.js');
let world: AuditWorld;

function mailctl(...args: string[]) {
  return execa('node', [bin, ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 60_000 });
}

before(async () => {
  for (const f of ['commands/audit', 'audit/run', 'audit/checks/tls', 'ui/audit-report', 'ui/audit-view']) {
    const built = statSync(join(root, 'dist', `${f}.js`), { throwIfNoEntry: false });
    const src = statSync(join(root, 'src', `${f}.${f.endsWith('view') ? 'tsx' : 'ts'}`));
    if (!built || built.mtimeMs < src.mtimeMs) {
      throw new Error(`dist/${f}.js is missing or older than src: run npm run build (npm test does)`);
    }
  }
  world = await startAuditWorld();
});
after(() => world?.stop());

test('--json on a good domain: the documented shape, exit 0', async () => {
  const r = await mailctl(...world.args('good.test'), '--json');
  assert.equal(r.exitCode, 0, r.stderr);
  const j = JSON.parse(r.stdout) as AuditReport;
  assert.equal(j.domain, 'good.test');
  assert.equal(typeof j.startedAt, 'string');
  assert.equal(typeof j.ms, 'number');
  assert.ok(j.score >= 90 && j.score <= 100);
  assert.equal(j.status, 'warn');
  assert.deepEqual(Object.keys(j.counts).sort(), ['fail', 'info', 'pass', 'warn']);
  assert.equal(j.checks.length, 12);
  for (const c of j.checks) {
    assert.deepEqual(Object.keys(c).sort(), ['findings', 'incomplete', 'ms', 'name', 'status', 'title']);
    for (const f of c.findings) {
      assert.ok(['pass', 'warn', 'fail', 'info'].includes(f.status));
      assert.equal(typeof f.subject, 'string');
      assert.equal(typeof f.message, 'string');
      if (f.status === 'fail' || f.status === 'warn') assert.equal(typeof f.fix, 'string', f.message);
    }
  }
  assert.equal(r.stderr, '', 'no progress lines with --json');
});

test('an open relay: exit 1, plain report on stdout with fixes, progress on stderr', async () => {
  const r = await mailctl(...world.args('bad.test'));
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stdout, /FAIL Open relay/);
  assert.match(r.stdout, /OPEN RELAY: accepted a recipient outside its domains/);
  assert.match(r.stdout, /fix: relay only for authenticated users/);
  assert.match(r.stdout, /bad\.test: score \d+\/100 — \d+ fail/);
  assert.equal(r.stderr.trim().split('\n').length, 12, r.stderr);
  assert.match(r.stderr, /^FAIL Open relay — OPEN RELAY/m);
});

test('--only/--skip, --markdown and --html FILE', async () => {
  const md = await mailctl(...world.args('good.test'), '--only', 'spf,dmarc', '--markdown');
  assert.equal(md.exitCode, 0, md.stderr);
  assert.match(md.stdout, /^# Mail security audit: good\.test/);
  assert.match(md.stdout, /## SPF: PASS/);
  assert.doesNotMatch(md.stdout, /## DKIM/);
  const html = join(world.dir, 'report.html');
  const h = await mailctl(
    ...world.args('bad.test'),
    '--skip',
    'tls,open-relay,dane,dnssec,mta-sts',
    '--html',
    html,
    '--json',
  );
  assert.equal(h.exitCode, 1);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<title>Mail security audit: bad\.test<\/title>/);
  assert.match(page, /&#34;\+all&#34;/, 'finding text is escaped');
  assert.equal((JSON.parse(h.stdout) as AuditReport).checks.length, 7);
});

test('bad input: invalid syntax and unknown checks are usage errors (exit 2)', async () => {
  const bad = await mailctl('audit', 'not a domain', '--json');
  assert.equal(bad.exitCode, 2);
  assert.match(
    (JSON.parse(bad.stdout) as { error: { message: string } }).error.message,
    /not a valid domain name/,
  );
  const only = await mailctl(...world.args('good.test'), '--only', 'spf,frobnicate');
  assert.equal(only.exitCode, 2);
  assert.match(only.stderr, /unknown check: frobnicate/);
  const ip = await mailctl(...world.args('good.test'), '--ip', '999.1.1.1');
  assert.equal(ip.exitCode, 2);
  assert.match(ip.stderr, /not an IP address/);
});

test('NXDOMAIN and a silent resolver: exit 4 with the reason', async () => {
  const nx = await mailctl(...world.args('nowhere.good.test'), '--json');
  assert.equal(nx.exitCode, 4);
  const j = JSON.parse(nx.stdout) as AuditReport;
  assert.match(j.unreachable ?? '', /does not exist \(NXDOMAIN\)/);
  assert.equal(j.score, 0);
  const mute = dgram.createSocket('udp4');
  await new Promise<void>((r) => mute.bind(0, '127.0.0.1', () => r()));
  try {
    const r = await mailctl(
      'audit',
      'good.test',
      '--resolver',
      `127.0.0.1:${mute.address().port}`,
      '--timeout',
      '1',
    );
    assert.equal(r.exitCode, 4);
    assert.match(r.stdout, /good\.test could not be audited: DNS SOA query for good\.test got no answer/);
  } finally {
    mute.close();
  }
});

test('MX that times out, hangs up or answers garbage: findings, the audit completes (exit 1)', async () => {
  const runs = await Promise.all(
    ['slow.bad.test', 'hangup.bad.test', 'garbage.bad.test'].map((d) =>
      mailctl(...world.args(d), '--timeout', '1', '--json'),
    ),
  );
  const msgs = runs.map((r) => {
    assert.equal(r.exitCode, 1, r.stderr);
    const j = JSON.parse(r.stdout) as AuditReport;
    assert.equal(j.checks.length, 12);
    return (
      j.checks
        .find((c) => c.name === 'mx')
        ?.findings.map((f) => f.message)
        .join('\n') ?? ''
    );
  });
  assert.match(msgs[0], /did not answer within 1000 ms/);
  assert.match(msgs[1], /closed the connection/);
  assert.match(msgs[2], /answered something that is not SMTP/);
});

test('on a terminal: the live view draws every check, then the report', async () => {
  const cmd = ['node', bin, ...world.args('good.test'), '--only', 'mx,spf,dkim']
    .map((a) => `'${a}'`)
    .join(' ');
  // script(1) gives the binary a real pseudo-terminal; stty gives it a width.
  const onTerminal = (ci: boolean) => {
    // The run must not inherit the CI's own CI variables: they switch the live view off.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION' && !k.startsWith('CI_'),
      ),
    );
    return execa('script', ['-qec', `stty cols 120 rows 40; ${cmd}`, '/dev/null'], {
      reject: false,
      timeout: 60_000,
      extendEnv: false,
      env: { ...env, TERM: 'xterm', ...(ci ? { CI: 'true' } : {}) },
    });
  };
  const live = await onTerminal(false);
  assert.equal(live.exitCode, 0, live.stdout);
  assert.match(live.stdout, /Auditing good\.test — 3\/3 checks/);
  assert.match(live.stdout, /good\.test: score 100\/100/);
  // Under CI the same terminal gets one plain line per finished check instead.
  const plain = await onTerminal(true);
  assert.equal(plain.exitCode, 0, plain.stdout);
  assert.doesNotMatch(plain.stdout, /Auditing good\.test/);
  assert.match(plain.stdout, /PASS.* SPF — /);
  assert.match(plain.stdout, /good\.test: score 100\/100/);
});
