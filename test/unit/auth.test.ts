/** Password schemes: hashes made by real tools (doveadm, slappasswd, openssl, python crypt) verify. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  hashPassword,
  importHash,
  needsRehash,
  splitHash,
  toLdapScheme,
  verifyPassword,
} from '../../src/auth/password.js';
import { shaCrypt, verifyShaCrypt } from '../../src/auth/shacrypt.js';
import { MailctlError } from '../../src/errors.js';

const PASSWORD = 'old-secret-1';
const schemes = readFileSync(new URL('../../fixtures/passwd/schemes.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t') as [string, string]);

describe('legacy hashes made by real tools', () => {
  assert.ok(schemes.length >= 12);
  for (const [tool, hash] of schemes) {
    test(`${tool}: ${hash.slice(0, 24)}…`, async () => {
      assert.equal(await verifyPassword(PASSWORD, hash), true);
      assert.equal(await verifyPassword('old-secret-2', hash), false);
      assert.equal(await verifyPassword('', hash), false);
      // doveadm's argon2id (m=64MiB, t=3) is stronger than ours: kept; everything else is upgraded.
      assert.equal(needsRehash(hash), !hash.startsWith('{ARGON2ID}$argon2id$v=19$m=65536,t=3'));
      assert.equal(await importHash(hash), hash);
    });
  }
});

describe('SHA-crypt', () => {
  test('matches openssl passwd -5/-6 for fixed salts, and python crypt with rounds', () => {
    for (const [flag, algo] of [
      ['-5', 'sha256'],
      ['-6', 'sha512'],
    ] as const) {
      for (const [pw, salt] of [
        ['hello', 'saltsalt'],
        ['日本語パスワード', 'abcdefghijklmnop'],
        ['x', 'a'],
        ['a'.repeat(100), 'b'],
      ]) {
        const want = execFileSync('openssl', ['passwd', flag, '-salt', salt, pw], {
          encoding: 'utf8',
        }).trim();
        assert.equal(shaCrypt(algo, pw, salt), want);
        assert.equal(verifyShaCrypt(pw, want), true);
      }
    }
    assert.equal(
      shaCrypt('sha512', 'hello', 'saltsalt', 10000),
      '$6$rounds=10000$saltsalt$ChnxUUyoZX4tzUyrM9rF3nURKoUrFHcNPi6vv59jtnlfxlNDaHX8QEke9K9u80R.e4Uq2oBdWYh/H6b/hSPa8/',
    );
  });
});

describe('new hashes', () => {
  test('argon2id in Dovecot form, verifies, needs no rehash; OpenLDAP spelling too', async () => {
    const h = await hashPassword('brand-new-secret');
    assert.match(h, /^\{ARGON2ID\}\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword('brand-new-secret', h), true);
    assert.equal(await verifyPassword('brand-new-secreT', h), false);
    assert.equal(needsRehash(h), false);
    const ldap = toLdapScheme(h);
    assert.match(ldap, /^\{ARGON2\}\$argon2id\$/);
    assert.equal(await verifyPassword('brand-new-secret', ldap), true);
    assert.equal(needsRehash(ldap), false);
    assert.notEqual(await hashPassword('brand-new-secret'), h, 'salted');
  });

  test('weaker argon2 parameters (doveadm default m=65536,t=3 is not weaker) are judged correctly', () => {
    assert.equal(needsRehash('{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA'), false);
    assert.equal(needsRehash('{ARGON2ID}$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA'), true);
    assert.equal(needsRehash('{ARGON2I}$argon2i$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA'), true);
  });
});

describe('import', () => {
  test('{PLAIN} is hashed on import, never stored', async () => {
    const h = await importHash('{PLAIN}legacy-plain-pw');
    assert.match(h, /^\{ARGON2ID\}/);
    assert.equal(await verifyPassword('legacy-plain-pw', h), true);
  });

  test('bad hashes are refused with a hint', async () => {
    for (const [bad, msg] of [
      ['$1$md5$crypt', /unsupported|no \{SCHEME\}/],
      ['{MD5-CRYPT}$1$abc$def', /unsupported password scheme \{MD5-CRYPT\}/],
      ['{CRAM-MD5}abcdef', /unsupported/],
      ['{SHA512-CRYPT}not-a-crypt', /malformed/],
      ['{BLF-CRYPT}$2y$05$short', /malformed/],
      ['plainpassword', /no \{SCHEME\} prefix/],
    ] as const) {
      await assert.rejects(importHash(bad), (e: unknown) => {
        assert.ok(e instanceof MailctlError);
        assert.equal(e.code, 'invalid-input');
        assert.match(e.message, msg);
        assert.ok(e.hint);
        return true;
      });
    }
  });

  test('a bare crypt string is recognised', () => {
    assert.deepEqual(splitHash('$6$abc$def'), { scheme: 'SHA512-CRYPT', value: '$6$abc$def' });
    assert.deepEqual(splitHash('{ssha}abc'), { scheme: 'SSHA', value: 'abc' });
    assert.equal(splitHash('plain'), undefined);
  });
});

test('verifyPassword never throws, whatever is stored (hostile input)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string(),
        fc.constantFrom(
          '{SSHA}',
          '{SSHA}====',
          '{ARGON2ID}$argon2id$',
          '{BLF-CRYPT}$2y$99$',
          '{SHA512-CRYPT}$6$rounds=0$x$y',
          '{CRYPT}$',
        ),
        fc.string().map((s) => `{SSHA512}${s}`),
        fc.string().map((s) => `{SHA512-CRYPT}$6$${s}`),
      ),
      fc.string(),
      async (stored, pw) => {
        assert.equal(typeof (await verifyPassword(pw, stored)), 'boolean');
      },
    ),
    { numRuns: 200 },
  );
});
