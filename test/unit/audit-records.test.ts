/** DKIM key records, DMARC policies, MTA-STS policy files and TLS-RPT-style tag lists. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  mailtoDomain,
  mxMatches,
  parseDkim,
  parseDmarc,
  parseMtaStsPolicy,
  parseTags,
} from '../../src/audit/records.js';

function rsaKey(bits: number, type: 'spki' | 'pkcs1' = 'spki'): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ type, format: 'der' }).toString('base64');
}

test('parseTags: whitespace, empty parts, duplicates and junk', () => {
  const t = parseTags(' v = DKIM1 ; k=rsa;; p=abc ; ');
  assert.equal(t.tags.get('v'), 'DKIM1');
  assert.equal(t.tags.get('p'), 'abc');
  assert.deepEqual(t.order, ['v', 'k', 'p']);
  assert.deepEqual(t.errors, []);
  assert.match(parseTags('a=1; a=2').errors.join(), /twice/);
  assert.match(parseTags('a=1; junk').errors.join(), /not tag=value/);
});

test('parseDkim: key sizes from real keys, SPKI and bare PKCS#1', () => {
  assert.equal(parseDkim(`v=DKIM1; k=rsa; p=${rsaKey(2048)}`).bits, 2048);
  assert.equal(parseDkim(`v=DKIM1; p=${rsaKey(1024)}`).bits, 1024);
  assert.equal(parseDkim(`p=${rsaKey(1024, 'pkcs1')}`).bits, 1024);
  const k = parseDkim(`v=DKIM1; k=rsa; p=${rsaKey(2048).replace(/(.{60})/g, '$1 ')}`);
  assert.equal(k.bits, 2048, 'whitespace inside p= is allowed');
});

test('parseDkim: testing flag, revoked key, and invalid records', () => {
  const key = rsaKey(1024);
  assert.equal(parseDkim(`v=DKIM1; t=y; p=${key}`).testing, true);
  assert.equal(parseDkim(`v=DKIM1; t=s:y; p=${key}`).testing, true);
  assert.equal(parseDkim(`v=DKIM1; t=s; p=${key}`).testing, false);
  const revoked = parseDkim('v=DKIM1; p=');
  assert.equal(revoked.publicKey, '');
  assert.deepEqual(revoked.errors, []);
  assert.match(parseDkim('v=DKIM1; k=rsa').errors.join(), /no p=/);
  assert.match(parseDkim('v=DKIM2; p=abc').errors.join(), /must be DKIM1/);
  assert.match(parseDkim(`k=rsa; v=DKIM1; p=${key}`).errors.join(), /first tag/);
  assert.match(parseDkim('v=DKIM1; p=bm90IGEga2V5').errors.join(), /not a valid RSA/);
  assert.match(parseDkim('v=DKIM1; k=dsa; p=abc').errors.join(), /unknown key type/);
  assert.equal(parseDkim(`v=DKIM1; k=ed25519; p=${Buffer.alloc(32, 7).toString('base64')}`).errors.length, 0);
});

test('parseDmarc: policy, pct, report URIs, alignment', () => {
  const d = parseDmarc(
    'v=DMARC1; p=reject; sp=quarantine; pct=100; rua=mailto:a@x.test,mailto:b@y.test!10m; ruf=mailto:f@x.test; adkim=s',
  );
  assert.deepEqual(d.errors, []);
  assert.equal(d.policy, 'reject');
  assert.equal(d.subdomainPolicy, 'quarantine');
  assert.deepEqual(d.rua, ['mailto:a@x.test', 'mailto:b@y.test!10m']);
  assert.equal(d.adkim, 's');
  assert.equal(d.aspf, 'r');
  assert.equal(mailtoDomain('mailto:b@Y.test!10m'), 'y.test');
});

test('parseDmarc: broken records', () => {
  const cases: [string, RegExp][] = [
    ['p=reject; v=DMARC1', /must start with v=DMARC1/],
    ['v=DMARC1; rua=mailto:a@x.test', /no p= policy/],
    ['v=DMARC1; p=block', /not none, quarantine or reject/],
    ['v=DMARC1; p=none; pct=150', /pct=150/],
    ['v=DMARC1; p=none; rua=https://x.test/r', /not a mailto/],
    ['v=DMARC1; p=none; adkim=x', /must be r or s/],
  ];
  for (const [txt, want] of cases) assert.match(parseDmarc(txt).errors.join('; '), want, txt);
  assert.equal(parseDmarc('v=DMARC1; p=none; pct=50').pct, 50);
});

test('parseMtaStsPolicy and mx pattern matching', () => {
  const p = parseMtaStsPolicy(
    'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n',
  );
  assert.deepEqual(p.errors, []);
  assert.equal(p.mode, 'enforce');
  assert.deepEqual(p.mx, ['mail.example.com', '*.example.net']);
  assert.equal(p.maxAge, 604800);
  assert.match(parseMtaStsPolicy('mode: enforce\nmx: a.test\nmax_age: 1').errors.join(), /STSv1/);
  assert.match(parseMtaStsPolicy('version: STSv1\nmode: strict\nmax_age: 1').errors.join(), /not enforce/);
  assert.match(parseMtaStsPolicy('<html>not a policy</html>').errors.join(), /bad line/);
  assert.equal(mxMatches('*.example.net', 'mx1.example.net'), true);
  assert.equal(mxMatches('*.example.net', 'a.b.example.net'), false);
  assert.equal(mxMatches('*.example.net', 'example.net'), false);
  assert.equal(mxMatches('mail.example.com', 'MAIL.example.com.'), true);
});
