/** Scoring, statuses, domain validation, check selection, relay tricks and DNS helpers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relayTricks } from '../../src/audit/checks/open-relay.js';
import { buildReport, type CheckResult, checkStatus, score, worst } from '../../src/audit/result.js';
import { selectChecks, validateDomain } from '../../src/audit/run.js';
import { expandIPv6, reverseName } from '../../src/dns/lookup.js';
import { parseServer } from '../../src/dns/raw.js';
import { MailctlError } from '../../src/errors.js';

const c = (status: CheckResult['status']): CheckResult => ({
  name: 'mx',
  title: 'MX',
  status,
  findings: [],
  incomplete: false,
  ms: 1,
});

test('worst status: fail > warn > pass > info', () => {
  assert.equal(worst([]), 'info');
  assert.equal(worst(['info', 'pass']), 'pass');
  assert.equal(worst(['pass', 'warn', 'info']), 'warn');
  assert.equal(worst(['warn', 'fail', 'pass']), 'fail');
  assert.equal(checkStatus([{ status: 'info', subject: 'x', message: 'm' }]), 'info');
});

test('score: pass 1, warn ½, fail 0, info ignored', () => {
  assert.equal(score([c('pass'), c('pass')]), 100);
  assert.equal(score([c('pass'), c('fail')]), 50);
  assert.equal(score([c('pass'), c('warn'), c('info')]), 75);
  assert.equal(score([c('fail'), c('fail'), c('pass')]), 33);
  assert.equal(score([c('info')]), 0);
});

test('buildReport: unreachable domain scores 0 and fails', () => {
  const r = buildReport('x.test', new Date(), [], 'x.test does not exist (NXDOMAIN)');
  assert.equal(r.status, 'fail');
  assert.equal(r.score, 0);
  assert.equal(r.unreachable, 'x.test does not exist (NXDOMAIN)');
  const ok = buildReport('x.test', new Date(), [c('pass'), c('warn')]);
  assert.equal(ok.status, 'warn');
  assert.equal(ok.unreachable, undefined);
});

test('validateDomain accepts host names and rejects junk with a clear error', () => {
  assert.equal(validateDomain('Example.COM.'), 'example.com');
  assert.equal(validateDomain('xn--bcher-kva.example'), 'xn--bcher-kva.example');
  assert.equal(validateDomain('bücher.example'), 'xn--bcher-kva.example');
  assert.equal(validateDomain('例え.jp'), 'xn--r8jz45g.jp');
  for (const bad of [
    '',
    'localhost',
    'exa mple.com',
    '-bad.com',
    'bad-.com',
    'a..b',
    `${'a'.repeat(64)}.com`,
    'ex@mple.com',
    'http://x.com',
    `${'a.'.repeat(127)}com`,
  ]) {
    assert.throws(
      () => validateDomain(bad),
      (e: unknown) => e instanceof MailctlError && e.code === 'invalid-input',
      bad,
    );
  }
});

test('selectChecks: --only and --skip, unknown names are usage errors', () => {
  const all = ['mx', 'spf', 'dkim'].map((name) => ({ name, title: name, run: async () => {} })) as never[];
  assert.deepEqual(
    selectChecks(all, ['spf']).map((x: { name: string }) => x.name),
    ['spf'],
  );
  assert.deepEqual(
    selectChecks(all, [], ['mx']).map((x: { name: string }) => x.name),
    ['spf', 'dkim'],
  );
  assert.throws(() => selectChecks(all, ['nope' as never]), /unknown check: nope/);
});

test('relay tricks: the classic set, all aimed outside the audited domain', () => {
  const t = relayTricks('example.com');
  const names = t.map((x) => x.name);
  for (const n of [
    'plain',
    'percent hack',
    'source route',
    'quoted local part',
    'user@remote@mx',
    'bang path',
    'unqualified sender',
    'null sender',
  ]) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(t.every((x) => /example\.org/.test(x.to)));
  assert.equal(t.find((x) => x.name === 'source route')?.to, '@example.com:relay-test@example.org');
  assert.equal(t.find((x) => x.name === 'null sender')?.from, '');
});

test('DNS helpers: reverse names and server addresses', () => {
  assert.equal(reverseName('192.0.2.1'), '1.2.0.192');
  assert.equal(expandIPv6('2001:db8::1'), '2001:0db8:0000:0000:0000:0000:0000:0001');
  assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
  assert.deepEqual(parseServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseServer('192.0.2.53'), { host: '192.0.2.53', port: 53 });
  assert.deepEqual(parseServer('[::1]:5300'), { host: '::1', port: 5300 });
  assert.deepEqual(parseServer('::1'), { host: '::1', port: 53 });
  assert.throws(() => parseServer('1.2.3.4:99999'), /bad port/);
});
