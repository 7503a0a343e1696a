/** Hand-made ClientHellos and the parsing of the server's first record. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clientHello,
  parseServerAnswer,
  SSL3,
  ssl3Suites,
  TLS12,
  weakSuites,
} from '../../src/audit/hello-probe.js';

function serverHello(version: number, suite: number, sid = 0): Buffer {
  const body = Buffer.concat([
    Buffer.from([version >> 8, version & 0xff]),
    Buffer.alloc(32, 1),
    Buffer.from([sid]),
    Buffer.alloc(sid, 9),
    Buffer.from([suite >> 8, suite & 0xff, 0]),
  ]);
  const hs = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 3, 0, hs.length]), hs]);
}

test('clientHello: record and handshake framing, versions, offered suites, SNI', () => {
  const h = clientHello(TLS12, [0x000a, 0x0005], 'mx.example.com');
  assert.equal(h[0], 0x16);
  assert.equal(h.readUInt16BE(3), h.length - 5, 'record length');
  assert.equal(h[5], 1, 'ClientHello');
  assert.equal(h.readUIntBE(6, 3), h.length - 9, 'handshake length');
  assert.equal(h.readUInt16BE(9), TLS12);
  assert.equal(h[43], 0, 'empty session id');
  assert.equal(h.readUInt16BE(44), 4);
  assert.deepEqual([h.readUInt16BE(46), h.readUInt16BE(48)], [0x000a, 0x0005]);
  assert.ok(h.includes(Buffer.from('mx.example.com')), 'SNI present');
  const s = clientHello(SSL3, ssl3Suites);
  assert.deepEqual([s[1], s[2], s.readUInt16BE(9)], [3, 0, SSL3]);
  assert.equal(
    s.length,
    5 + 4 + 2 + 32 + 1 + 2 + ssl3Suites.length * 2 + 2,
    'SSLv3 hello carries no extensions',
  );
  assert.ok(Object.keys(weakSuites).length >= 20);
});

test('parseServerAnswer: ServerHello, alert, partial data, other records', () => {
  assert.deepEqual(parseServerAnswer(serverHello(SSL3, 0x0005)), {
    kind: 'server-hello',
    version: SSL3,
    suite: 0x0005,
  });
  assert.deepEqual(parseServerAnswer(serverHello(TLS12, 0x000a, 32)), {
    kind: 'server-hello',
    version: TLS12,
    suite: 0x000a,
  });
  assert.equal(
    parseServerAnswer(serverHello(TLS12, 0x000a).subarray(0, 20)),
    undefined,
    'wait for more bytes',
  );
  assert.equal(parseServerAnswer(Buffer.from([0x16, 3])), undefined);
  assert.deepEqual(parseServerAnswer(Buffer.from([0x15, 3, 3, 0, 2, 2, 40])), {
    kind: 'alert',
    description: 40,
  });
  assert.equal(parseServerAnswer(Buffer.from('220 smtp ready\r\n'))?.kind, 'other');
  const notHello = serverHello(TLS12, 0x000a);
  notHello[5] = 11;
  assert.equal(parseServerAnswer(notHello)?.kind, 'other');
});
