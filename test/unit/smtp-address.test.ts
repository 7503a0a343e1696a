import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnvelopeAddress, relayTricks } from '../../src/proto/smtp-address.js';

const good: [string, string][] = [
  ['alice@example.test', 'alice@example.test'],
  ['Alice@Example.TEST', 'Alice@example.test'],
  ['<bob@example.test>', 'bob@example.test'],
  ['first.last+tag@sub.example.test', 'first.last+tag@sub.example.test'],
  ['user@example.test.', 'user@example.test'],
  ['"john doe"@example.test', '"john doe"@example.test'],
  ['"a.b"@example.test', 'a.b@example.test'],
  ['用户@例子.测试', '用户@例子.测试'],
];

const bad: [string, string][] = [
  ['', 'empty'],
  ['@relay.test:user@remote.test', 'source-route'],
  ['@a.test,@b.test:user@remote.test', 'source-route'],
  ['user%remote.test@example.test', 'percent-hack'],
  ['user%remote.test', 'percent-hack'],
  ['remote.test!user@example.test', 'bang-path'],
  ['remote.test!user', 'bang-path'],
  ['"user@remote.test"@example.test', 'quoted-at'],
  ['"user%remote"@example.test', 'quoted-at'],
  ['user@example.test@remote.test', 'multiple-at'],
  ['user@local@remote.test', 'multiple-at'],
  ['user', 'no-domain'],
  ['user@', 'bad-domain'],
  ['user@-bad.test', 'bad-domain'],
  ['user@exa mple.test', 'bad-local-part'],
  ['us er@example.test', 'bad-local-part'],
  ['.user@example.test', 'bad-local-part'],
  ['user..x@example.test', 'bad-local-part'],
  ['user\u0000@example.test', 'bad-local-part'],
  ['user@[127.0.0.1]', 'address-literal'],
  [`${'a'.repeat(65)}@example.test`, 'too-long'],
  [`a@${'b'.repeat(250)}.test`, 'too-long'],
  ['"unterminated@example.test', 'bad-local-part'],
];

describe('parseEnvelopeAddress', () => {
  for (const [input, want] of good) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      const r = parseEnvelopeAddress(input);
      assert.ok(r.ok, `expected ok, got ${JSON.stringify(r)}`);
      assert.equal(r.value.address, want);
    });
  }
  for (const [input, problem] of bad) {
    it(`refuses ${JSON.stringify(input)} as ${problem}`, () => {
      const r = parseEnvelopeAddress(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.problem, problem);
    });
  }
  it('classifies the routing tricks as relay attempts', () => {
    for (const p of ['source-route', 'percent-hack', 'bang-path', 'quoted-at', 'multiple-at'] as const) {
      assert.ok(relayTricks.has(p));
    }
    assert.ok(!relayTricks.has('bad-domain'));
  });
  it('never throws on random input', () => {
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(Math.random() * 80);
      const s = Array.from({ length: len }, () => String.fromCharCode(Math.floor(Math.random() * 200))).join(
        '',
      );
      parseEnvelopeAddress(s);
    }
  });
});
