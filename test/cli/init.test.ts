/**
 * `mailctl init` through the real binary: the files it writes (checked with openssl), the
 * DNS records (the DKIM p= matches the key), re-validation, and refusal to overwrite.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureBuilt, mailctl } from '../helpers/cli.js';
import { requireProgram } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-cli-init-');
const dir = join(tmp.path, 'site');

before(async () => {
  requireProgram('openssl', 'openssl');
  await ensureBuilt(['cli.ts', 'commands', 'init', 'config', 'directory', 'ui']);
});
after(() => tmp.cleanup());

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

test('init writes config, TLS pair, DKIM key, creates the domain and prints the DNS records', async () => {
  const r = await mailctl([
    'init',
    '--dir',
    dir,
    '--domain',
    'Example.ORG',
    '--hostname',
    'mail.example.org',
    '--selector',
    'mx2026',
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  const f = (p: string) => join(dir, p);
  for (const p of ['mailctl.toml', 'tls/cert.pem', 'tls/key.pem', 'dkim/private.pem', 'data/accounts.sqlite'])
    assert.ok(existsSync(f(p)), p);
  assert.equal(statSync(f('tls/key.pem')).mode & 0o777, 0o600);
  assert.equal(statSync(f('dkim/private.pem')).mode & 0o777, 0o600);
  // The certificate names the host and is valid now.
  const cert = openssl(
    'x509',
    '-in',
    f('tls/cert.pem'),
    '-noout',
    '-subject',
    '-ext',
    'subjectAltName',
    '-checkend',
    '0',
  );
  assert.match(cert, /subject=CN ?= ?mail\.example\.org/);
  assert.match(cert, /DNS:mail\.example\.org/);
  assert.match(openssl('pkey', '-in', f('tls/key.pem'), '-noout', '-text'), /Private-Key: \(2048 bit/);
  // RSA-2048 DKIM key; the published p= is its public half.
  assert.match(openssl('pkey', '-in', f('dkim/private.pem'), '-noout', '-text'), /Private-Key: \(2048 bit/);
  const spki = execFileSync('openssl', [
    'pkey',
    '-in',
    f('dkim/private.pem'),
    '-pubout',
    '-outform',
    'DER',
  ]).toString('base64');
  const dkimLine = r.stdout.split('\n').find((l) => l.startsWith('mx2026._domainkey.example.org.'));
  assert.ok(dkimLine, r.stdout);
  assert.equal(
    dkimLine
      .match(/"([^"]*)"/g)
      ?.map((s) => s.slice(1, -1))
      .join(''),
    `v=DKIM1; k=rsa; p=${spki}`,
  );
  for (const re of [
    /^example\.org\. +3600 +IN +MX +10 mail\.example\.org\./m,
    /^mail\.example\.org\. +3600 +IN +A +\S+/m,
    /^example\.org\. +3600 +IN +TXT +"v=spf1 mx -all"/m,
    /^_dmarc\.example\.org\. +3600 +IN +TXT +"v=DMARC1; p=quarantine;/m,
    /^_mta-sts\.example\.org\. +3600 +IN +TXT +"v=STSv1; id=\d{10}"/m,
    /^_smtp\._tls\.example\.org\. +3600 +IN +TXT +"v=TLSRPTv1; rua=mailto:tlsrpt@example\.org"/m,
    /^; PTR: /m,
    /Next steps:\n {2}1\. publish the DNS records/,
    /mailctl accounts add postmaster@example\.org/,
    /config check: ok/,
  ]) {
    assert.match(r.stdout, re);
  }
  // What it wrote passes config check, names the selector, and the domain exists.
  const check = await mailctl(['--config', f('mailctl.toml'), 'config', 'check']);
  assert.equal(check.exitCode, 0, check.stderr);
  assert.match(
    readFileSync(f('mailctl.toml'), 'utf8'),
    /\[dkim\]\nselector = "mx2026"\nkey = "dkim\/private\.pem"/,
  );
  const domains = await mailctl(['--config', f('mailctl.toml'), 'domains', 'list', '--json']);
  assert.deepEqual(
    JSON.parse(domains.stdout).map((d: { name: string }) => d.name),
    ['example.org'],
  );
});

test('a second init refuses to overwrite anything (exit 2) and changes nothing', async () => {
  const before = readFileSync(join(dir, 'dkim/private.pem'), 'utf8');
  const r = await mailctl(['init', '--dir', dir, '--domain', 'example.org']);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /error: init would overwrite 4 existing file\(s\): .*mailctl\.toml/);
  assert.match(r.stderr, /hint: nothing was changed; pass --force/);
  assert.equal(readFileSync(join(dir, 'dkim/private.pem'), 'utf8'), before);
});

test('--force replaces the keys, keeps the domain; --json has a stable shape', async () => {
  const before = readFileSync(join(dir, 'dkim/private.pem'), 'utf8');
  const r = await mailctl([
    'init',
    '--dir',
    dir,
    '--domain',
    'example.org',
    '--hostname',
    'mail.example.org',
    '--force',
    '--json',
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j).sort(), ['dns', 'domainCreated', 'nextSteps', 'plan', 'zone']);
  assert.equal(j.domainCreated, false);
  assert.match(j.plan.selector, /^s\d{6}$/);
  assert.deepEqual(
    j.dns.map((x: { type: string }) => x.type).filter((t: string) => t !== 'AAAA'),
    ['MX', 'A', 'TXT', 'TXT', 'TXT', 'TXT', 'TXT'],
  );
  assert.notEqual(readFileSync(join(dir, 'dkim/private.pem'), 'utf8'), before);
});

test('the DKIM key signs, and the published TXT record verifies the signature (mailauth)', async () => {
  const r = await mailctl([
    'init',
    '--dir',
    join(tmp.path, 'dkim-check'),
    '--domain',
    'sign.example',
    '--selector',
    'k1',
    '--json',
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { dns: { name: string; type: string; value: string }[] };
  const rec = j.dns.find((d) => d.name === 'k1._domainkey.sign.example.');
  assert.ok(rec);
  const txt = [...rec.value.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const { dkimSign } = await import('mailauth/lib/dkim/sign.js');
  const { dkimVerify } = await import('mailauth/lib/dkim/verify.js');
  const message =
    'From: a@sign.example\r\nTo: b@example.org\r\nSubject: hi\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n\r\nhello\r\n';
  const key = readFileSync(join(tmp.path, 'dkim-check', 'dkim', 'private.pem'), 'utf8');
  const one = {
    signingDomain: 'sign.example',
    selector: 'k1',
    privateKey: key,
    canonicalization: 'relaxed/relaxed',
  };
  const signed = await dkimSign(message, { ...one, signatureData: [one] });
  const resolver = async (name: string, type: string) => {
    if (name === 'k1._domainkey.sign.example' && type === 'TXT') return [txt];
    throw Object.assign(new Error(`no ${type} ${name}`), { code: 'ENOTFOUND' });
  };
  const verified = await dkimVerify(signed.signatures + message, { resolver } as Parameters<
    typeof dkimVerify
  >[1]);
  assert.equal(verified.results[0]?.status.result, 'pass', JSON.stringify(verified.results[0]?.status));
  const tampered = await dkimVerify(signed.signatures + message.replace('hello', 'HELLO'), {
    resolver,
  } as Parameters<typeof dkimVerify>[1]);
  assert.notEqual(tampered.results[0]?.status.result, 'pass', 'a changed body must not verify');
});

test('bad --domain, --hostname or --selector: exit 2 and nothing written', async () => {
  const fresh = join(tmp.path, 'fresh');
  for (const [args, err] of [
    [['--domain', 'bad_domain'], /--domain "bad_domain" is not a valid domain name/],
    [['--domain', 'example.org', '--hostname', 'bad host'], /--hostname "bad host" is not a valid host name/],
    [
      ['--domain', 'example.org', '--selector', 'no.dots'],
      /--selector "no\.dots" is not a valid DKIM selector/,
    ],
  ] as const) {
    const r = await mailctl(['init', '--dir', fresh, ...args]);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, err);
    assert.match(r.stderr, /hint: /);
    assert.equal(existsSync(fresh), false);
  }
});
