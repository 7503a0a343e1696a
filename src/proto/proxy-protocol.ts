/**
 * PROXY protocol v1 (text) and v2 (binary) header parsing, as sent by HAProxy and cloud
 * load balancers in front of a listener (spec: haproxy.org/download/2.9/doc/proxy-protocol.txt).
 * Pure: feed it the bytes received so far; it says "need more", "bad", or the client address
 * and how many bytes the header used.
 */
import { isIP } from 'node:net';

export type ProxyParse =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  | {
      status: 'ok';
      version: 1 | 2;
      /** Bytes of the header; the SMTP stream starts after them. */
      length: number;
      /** Undefined for LOCAL (health checks) and UNKNOWN: use the socket's own address. */
      source?: { address: string; port: number };
    };

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_MAX = 107;
/** Longest v2 header we accept (addresses plus TLVs); a bigger one is not a load balancer. */
export const PROXY_V2_MAX = 16 + 536;

export function parseProxyHeader(buf: Buffer): ProxyParse {
  const sigLen = Math.min(buf.length, V2_SIGNATURE.length);
  if (buf.subarray(0, sigLen).equals(V2_SIGNATURE.subarray(0, sigLen))) {
    return buf.length < 16 ? { status: 'incomplete' } : parseV2(buf);
  }
  const prefix = 'PROXY ';
  const n = Math.min(buf.length, prefix.length);
  if (buf.toString('latin1', 0, n) !== prefix.slice(0, n))
    return { status: 'invalid', reason: 'no PROXY header' };
  const end = buf.indexOf('\r\n');
  if (end < 0)
    return buf.length >= V1_MAX
      ? { status: 'invalid', reason: 'v1 header too long' }
      : { status: 'incomplete' };
  if (end + 2 > V1_MAX) return { status: 'invalid', reason: 'v1 header too long' };
  return parseV1(buf.toString('latin1', 0, end), end + 2);
}

function parseV1(line: string, length: number): ProxyParse {
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') return { status: 'ok', version: 1, length };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) {
    return { status: 'invalid', reason: 'malformed v1 header' };
  }
  const [, proto, src, dst, sport, dport] = parts;
  const family = proto === 'TCP4' ? 4 : 6;
  if (isIP(src) !== family || isIP(dst) !== family) return { status: 'invalid', reason: 'bad v1 address' };
  const port = Number(sport);
  if (!/^\d{1,5}$/.test(sport) || !/^\d{1,5}$/.test(dport) || port > 65535 || Number(dport) > 65535) {
    return { status: 'invalid', reason: 'bad v1 port' };
  }
  return { status: 'ok', version: 1, length, source: { address: src.toLowerCase(), port } };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups, as Node prints addresses.
  const s = groups.join(':');
  const runs = [...s.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length);
  return runs.length ? s.replace(runs[0][0], '::') : s;
}

function parseV2(buf: Buffer): ProxyParse {
  const verCmd = buf[12];
  if (verCmd >> 4 !== 2) return { status: 'invalid', reason: 'unsupported v2 version' };
  const cmd = verCmd & 0x0f;
  const fam = buf[13];
  const len = buf.readUInt16BE(14);
  if (16 + len > PROXY_V2_MAX) return { status: 'invalid', reason: 'v2 header too long' };
  if (buf.length < 16 + len) return { status: 'incomplete' };
  const length = 16 + len;
  if (cmd === 0) return { status: 'ok', version: 2, length }; // LOCAL: the balancer's own check
  if (cmd !== 1) return { status: 'invalid', reason: 'unknown v2 command' };
  const body = buf.subarray(16, length);
  if (fam === 0x11 || fam === 0x12) {
    if (len < 12) return { status: 'invalid', reason: 'short v2 IPv4 block' };
    const address = [...body.subarray(0, 4)].join('.');
    return { status: 'ok', version: 2, length, source: { address, port: body.readUInt16BE(8) } };
  }
  if (fam === 0x21 || fam === 0x22) {
    if (len < 36) return { status: 'invalid', reason: 'short v2 IPv6 block' };
    let address = ipv6(body.subarray(0, 16));
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
    if (mapped) {
      const hi = Number.parseInt(mapped[1], 16);
      const lo = Number.parseInt(mapped[2], 16);
      address = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
    return { status: 'ok', version: 2, length, source: { address, port: body.readUInt16BE(32) } };
  }
  // UNSPEC or UNIX sockets: no client address to use.
  return { status: 'ok', version: 2, length };
}
