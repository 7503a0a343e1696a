import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProxyHeader } from '../../src/proto/proxy-protocol.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function v2(cmd: number, fam: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = 0x20 | cmd;
  h[1] = fam;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIG, h, body]);
}

describe('parseProxyHeader v1', () => {
  it('reads TCP4 and leaves the rest', () => {
    const buf = Buffer.from('PROXY TCP4 192.0.2.7 10.0.0.1 51234 25\r\nEHLO x\r\n');
    const r = parseProxyHeader(buf);
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.deepEqual(r.source, { address: '192.0.2.7', port: 51234 });
    assert.equal(buf.subarray(r.length).toString(), 'EHLO x\r\n');
  });
  it('reads TCP6 and UNKNOWN', () => {
    const r = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 1000 25\r\n'));
    assert.equal(r.status === 'ok' && r.source?.address, '2001:db8::1');
    const u = parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'));
    assert.equal(u.status === 'ok' && u.source, undefined);
  });
  it('waits for more bytes, refuses garbage', () => {
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2')).status, 'incomplete');
    assert.equal(parseProxyHeader(Buffer.from('PRO')).status, 'incomplete');
    assert.equal(parseProxyHeader(Buffer.from('EHLO x\r\n')).status, 'invalid');
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 evil.test 10.0.0.1 1 25\r\n')).status, 'invalid');
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 10.0.0.1 99999 25\r\n')).status, 'invalid');
    assert.equal(parseProxyHeader(Buffer.from(`PROXY ${'x'.repeat(200)}`)).status, 'invalid');
  });
});

describe('parseProxyHeader v2', () => {
  it('reads PROXY TCP4 with TLVs and leaves the rest', () => {
    const body = Buffer.concat([
      Buffer.from([198, 51, 100, 9, 10, 0, 0, 1]),
      Buffer.from([0xc3, 0x50, 0x00, 0x19]),
      Buffer.from([0x04, 0x00, 0x01, 0x00]), // a NOOP TLV
    ]);
    const buf = Buffer.concat([v2(1, 0x11, body), Buffer.from('EHLO y\r\n')]);
    const r = parseProxyHeader(buf);
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.equal(r.version, 2);
    assert.deepEqual(r.source, { address: '198.51.100.9', port: 50000 });
    assert.equal(buf.subarray(r.length).toString(), 'EHLO y\r\n');
  });
  it('reads TCP6 (IPv4-mapped becomes dotted) and LOCAL', () => {
    const src = Buffer.alloc(16);
    src.writeUInt16BE(0x2001, 0);
    src.writeUInt16BE(0x0db8, 2);
    src.writeUInt16BE(0x0005, 14);
    const body = Buffer.concat([src, Buffer.alloc(16), Buffer.from([0x04, 0xd2, 0, 25])]);
    const r = parseProxyHeader(v2(1, 0x21, body));
    assert.equal(r.status === 'ok' && r.source?.address, '2001:db8::5');
    const mapped = Buffer.alloc(16);
    mapped.writeUInt16BE(0xffff, 10);
    Buffer.from([203, 0, 113, 4]).copy(mapped, 12);
    const m = parseProxyHeader(v2(1, 0x21, Buffer.concat([mapped, Buffer.alloc(16), Buffer.alloc(4)])));
    assert.equal(m.status === 'ok' && m.source?.address, '203.0.113.4');
    const l = parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)));
    assert.equal(l.status === 'ok' && l.source, undefined);
  });
  it('waits for the whole block and refuses bad versions and huge lengths', () => {
    const full = v2(1, 0x11, Buffer.alloc(12));
    assert.equal(parseProxyHeader(full.subarray(0, 10)).status, 'incomplete');
    assert.equal(parseProxyHeader(full.subarray(0, 20)).status, 'incomplete');
    const badVer = Buffer.from(full);
    badVer[12] = 0x31;
    assert.equal(parseProxyHeader(badVer).status, 'invalid');
    const huge = Buffer.from(full);
    huge.writeUInt16BE(60000, 14);
    assert.equal(parseProxyHeader(huge).status, 'invalid');
  });
});
