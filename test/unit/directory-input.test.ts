/** Address/domain syntax and the import parsers (CSV, Dovecot passwd-file), as tables of cases. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { detectFormat, parseCsvAccounts, parsePasswdFile } from '../../src/directory/import.js';
import {
  canonicalAddress,
  canonicalDomain,
  checkAliasAddress,
  checkPassword,
} from '../../src/directory/validate.js';
import { MailctlError } from '../../src/errors.js';

test('domains', () => {
  const ok: [string, string][] = [
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['xn--r8jz45g.jp', 'xn--r8jz45g.jp'],
    ['例え.jp', 'xn--r8jz45g.jp'],
    ['a-b.c-d.test', 'a-b.c-d.test'],
  ];
  for (const [i, want] of ok) assert.equal(canonicalDomain(i), want, i);
  for (const bad of [
    '',
    'localhost',
    'a..b',
    '-a.com',
    'a-.com',
    'a_b.com',
    'a b.com',
    '1.2.3.4',
    'x@y.com',
    `${'a'.repeat(64)}.com`,
  ]) {
    assert.equal(canonicalDomain(bad), undefined, bad);
  }
});

test('addresses', () => {
  assert.deepEqual(canonicalAddress(' Alice.B+tag@Example.COM '), {
    address: 'alice.b+tag@example.com',
    local: 'alice.b+tag',
    domain: 'example.com',
  });
  assert.equal(canonicalAddress("o'brien@example.com")?.address, "o'brien@example.com");
  for (const bad of [
    'alice',
    'alice@',
    '@example.com',
    'a b@example.com',
    '"a"@example.com',
    '.a@example.com',
    'a.@example.com',
    'a..b@example.com',
    'a@b@example.com',
    `${'a'.repeat(65)}@example.com`,
    'a(b)@example.com',
  ]) {
    assert.equal(canonicalAddress(bad), undefined, bad);
  }
  assert.deepEqual(checkAliasAddress('@Example.com'), {
    address: '@example.com',
    domain: 'example.com',
    catchAll: true,
  });
  assert.deepEqual(checkAliasAddress('*@example.com'), {
    address: '@example.com',
    domain: 'example.com',
    catchAll: true,
  });
});

test('password length counts characters, not bytes; refuses line breaks', () => {
  checkPassword('パスワード12345', 10);
  assert.throws(
    () => checkPassword('パスワード', 10),
    (e: unknown) =>
      e instanceof MailctlError &&
      /too short \(5 characters\)/.test(e.message) &&
      /at least 10/.test(e.hint ?? ''),
  );
  assert.throws(() => checkPassword('long-enough\npassword', 8), /line break/);
});

test('CSV: header names the columns; missing fields are reported per line', () => {
  const csv = `address,password,name,quota
alice@example.com,alice-password-1,Alice,2GB
bob@example.com,,Bob,
"carol@example.com",carol-password-1,"Carol, C.",1GiB
dave@example.com
,x-password-123,,
erin@example.com,erin-password-1,Erin,lots
`;
  const recs = parseCsvAccounts(csv, 'users.csv');
  assert.deepEqual(
    recs.map((r) => [r.line, r.address, r.invalid ?? 'ok']),
    [
      [2, 'alice@example.com', 'ok'],
      [3, 'bob@example.com', 'no password and no password_hash'],
      [4, 'carol@example.com', 'ok'],
      [5, 'dave@example.com', '3 field(s) missing'],
      [6, '', 'the address field is empty'],
      [7, 'erin@example.com', 'quota "lots" is not a size (e.g. 2GB)'],
    ],
  );
  assert.equal(recs[0].quota, 2e9);
  assert.equal(recs[2].displayName, 'Carol, C.');
  assert.equal(recs[2].quota, 1024 ** 3);
  assert.throws(
    () => parseCsvAccounts('mail,pw\na,b\n', 'x.csv'),
    (e: unknown) =>
      e instanceof MailctlError && e.where === 'x.csv:1' && /address,password/.test(e.hint ?? ''),
  );
  assert.throws(
    () => parseCsvAccounts('address,password\n"a@b.com,pw\n', 'x.csv'),
    (e: unknown) => e instanceof MailctlError && /cannot be parsed/.test(e.message),
  );
});

test('Dovecot passwd-file: schemes, gecos, quota rule, default domain', () => {
  const text = readFileSync(new URL('../../fixtures/passwd/dovecot-users', import.meta.url), 'utf8');
  const recs = parsePasswdFile(text, 'legacy.example');
  assert.deepEqual(
    recs.map((r) => [r.address, r.passwordHash?.slice(0, 16), r.displayName, r.quota, r.invalid]),
    [
      ['erin@legacy.example', '{SHA512-CRYPT}$6', 'Erin Example', 1024 ** 3, undefined],
      ['frank@legacy.example', '{BLF-CRYPT}$2y$0', 'Frank Example', undefined, undefined],
      ['grace@legacy.example', '{SHA256-CRYPT}$5', undefined, undefined, undefined],
      ['heidi@legacy.example', '{SSHA512}UaKPLqK', undefined, undefined, undefined],
    ],
  );
  assert.equal(recs[0].line, 5);
  const noDomain = parsePasswdFile('grace:{PLAIN}x::::::\nbroken\n');
  assert.deepEqual(
    noDomain.map((r) => r.invalid),
    ['user "grace" has no domain', 'no password field (user:{SCHEME}hash:…)'],
  );
  assert.equal(detectFormat('users.csv', ''), 'csv');
  assert.equal(detectFormat('passwd', text), 'passwd');
  assert.equal(detectFormat('users.txt', 'address,password\n'), 'csv');
});
