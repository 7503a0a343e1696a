/** POP3 syntax: command parsing, reply lines, dot-stuffing across chunks, TOP, UIDL format. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DotStuffer,
  err,
  multiline,
  parseCommand,
  parseLineCount,
  parseMsgNumber,
  topOf,
  uidl,
} from '../../src/proto/pop3.js';

describe('POP3 syntax', () => {
  test('commands', () => {
    assert.deepEqual(parseCommand('user alice'), { ok: true, verb: 'USER', args: ['alice'], rest: 'alice' });
    assert.deepEqual(parseCommand('PASS pass with spaces'), {
      ok: true,
      verb: 'PASS',
      args: ['pass', 'with', 'spaces'],
      rest: 'pass with spaces',
    });
    for (const bad of ['', 'RETRX 1', 'HELO', 'NOOP\0', 'LIST\u001b1', ' STAT'])
      assert.equal(parseCommand(bad).ok, false, bad);
  });

  test('numbers', () => {
    assert.equal(parseMsgNumber('3', 5), 3);
    for (const bad of ['0', '6', '-1', '+1', '1.0', '', 'x', '99999999999'])
      assert.equal(parseMsgNumber(bad, 5), undefined, bad);
    assert.equal(parseLineCount('0'), 0);
    assert.equal(parseLineCount('-1'), undefined);
  });

  test('replies', () => {
    assert.equal(err('in use', 'IN-USE'), '-ERR [IN-USE] in use\r\n');
    assert.equal(multiline('x', ['a', '.b', '']), '+OK x\r\na\r\n..b\r\n\r\n.\r\n');
  });

  test('dot-stuffing across chunk boundaries', () => {
    const d = new DotStuffer();
    const out = Buffer.concat([
      d.push(Buffer.from('.start\r\nmid\r')),
      d.push(Buffer.from('\n.')),
      d.push(Buffer.from('x\r\nend')),
      d.end(),
    ]).toString();
    assert.equal(out, '..start\r\nmid\r\n..x\r\nend\r\n.\r\n');
  });

  test('TOP', () => {
    const m = Buffer.from('A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n');
    assert.equal(topOf(m, 0).toString(), 'A: 1\r\nB: 2\r\n\r\n');
    assert.equal(topOf(m, 2).toString(), 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n');
    assert.equal(topOf(m, 99).toString(), m.toString());
    assert.equal(topOf(Buffer.from('A: 1\r\n'), 3).toString(), 'A: 1\r\n');
  });

  test("UIDL is Dovecot's %08Xu%08Xv", () => {
    assert.equal(uidl(26, 1700000000), '0000001a6553f100');
  });
});
