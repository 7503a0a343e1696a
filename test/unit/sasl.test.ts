/** SASL PLAIN / LOGIN decoding: a table of good and hostile client input. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeBase64,
  decodeLoginField,
  decodePlain,
  effectiveIdentity,
  encodePlain,
  LOGIN_PASSWORD_PROMPT,
  LOGIN_USERNAME_PROMPT,
} from '../../src/auth/sasl.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

test('PLAIN: the usual forms, with and without authorization identity', () => {
  assert.deepEqual(decodePlain(b64('\0alice@example.test\0pw one')), {
    ok: true,
    credentials: { authzid: '', authcid: 'alice@example.test', password: 'pw one' },
  });
  assert.deepEqual(decodePlain(b64('alice\0alice\0s3cret')), {
    ok: true,
    credentials: { authzid: 'alice', authcid: 'alice', password: 's3cret' },
  });
  const jp = decodePlain(b64('\0山田@例え.jp\0パスワード'));
  assert.ok(jp.ok && jp.credentials.password === 'パスワード');
  assert.equal(decodePlain(encodePlain('bob', 'pw', 'bob')).ok, true);
});

test('PLAIN: hostile and broken input is a result, never a throw', () => {
  const cases: [string, string][] = [
    ['*', 'cancelled'],
    [' * ', 'cancelled'],
    ['not base64!', 'bad-base64'],
    ['AGFsaWNl', 'malformed'], // "\0alice" — only two fields
    [b64('\0\0pw'), 'malformed'], // empty authcid
    [b64('\0alice\0'), 'malformed'], // empty password
    [b64('a\0b\0c\0d'), 'malformed'], // four fields
    [b64(Buffer.from([0, 0x61, 0, 0xff, 0xfe])), 'bad-utf8'],
    ['AGFsaWNlAHA', 'bad-base64'], // "\0alice\0p" without its '=': strict RFC 4648 wants padding
    [b64(`\0${'a'.repeat(2000)}\0pw`), 'too-long'],
    ['', 'malformed'],
  ];
  for (const [input, reason] of cases) {
    const r = decodePlain(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.reason, reason, input);
  }
  assert.equal(decodeBase64('A'.repeat(10_000)), undefined, 'bounded');
});

test('LOGIN: prompts and fields', () => {
  assert.equal(Buffer.from(LOGIN_USERNAME_PROMPT, 'base64').toString(), 'Username:');
  assert.equal(Buffer.from(LOGIN_PASSWORD_PROMPT, 'base64').toString(), 'Password:');
  assert.deepEqual(decodeLoginField(b64('alice@example.test')), { ok: true, value: 'alice@example.test' });
  assert.deepEqual(decodeLoginField('*'), { ok: false, reason: 'cancelled' });
  assert.deepEqual(decodeLoginField('@@@'), { ok: false, reason: 'bad-base64' });
  assert.deepEqual(decodeLoginField(b64('a\0b')), { ok: false, reason: 'malformed' });
  assert.deepEqual(decodeLoginField(''), { ok: false, reason: 'malformed' });
});

test('authorization identity: only oneself (no proxy login)', () => {
  assert.equal(effectiveIdentity({ authzid: '', authcid: 'alice', password: 'x' }), 'alice');
  assert.equal(effectiveIdentity({ authzid: 'ALICE', authcid: 'alice', password: 'x' }), 'alice');
  assert.equal(effectiveIdentity({ authzid: 'bob', authcid: 'alice', password: 'x' }), undefined);
});

test('round trip and no throw on arbitrary input', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (u, p) => {
      fc.pre(!u.includes('\0') && !p.includes('\0'));
      const r = decodePlain(encodePlain(u, p));
      assert.ok(r.ok && r.credentials.authcid === u && r.credentials.password === p);
    }),
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      assert.equal(typeof decodePlain(s).ok, 'boolean');
      assert.equal(typeof decodeLoginField(s).ok, 'boolean');
    }),
  );
});
