/**
 * Raw DNS queries (dns-packet over UDP, TCP when truncated) for what node:dns hides: the
 * response code (NXDOMAIN vs NODATA vs SERVFAIL), the AD bit of a validating resolver,
 * DNSSEC and DANE records (DNSKEY, DS, RRSIG, TLSA) and CNAMEs inside an answer.
 * Servers are "host", "host:port" or "[v6]:port", like dns.servers / --resolver; without
 * any, the system resolvers (/etc/resolv.conf) are used.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { getServers } from 'node:dns';
import { isIPv6, Socket } from 'node:net';
import dnsPacket, { type Answer, type RecordType } from 'dns-packet';
import { MailctlError } from '../errors.js';

export interface RawDnsOptions {
  servers?: readonly string[];
  /** Milliseconds per try. */
  timeoutMs?: number;
  tries?: number;
}

export interface QueryOptions {
  /** Set the DO bit so RRSIGs come back and a validating resolver reports AD. */
  dnssec?: boolean;
  /** Checking disabled: ask a validating resolver for data even when it is bogus. */
  cd?: boolean;
}

export interface RawResponse {
  name: string;
  type: RecordType;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED … */
  rcode: string;
  /** Authentic data: a validating resolver checked the DNSSEC chain. */
  ad: boolean;
  answers: Answer[];
  authorities: Answer[];
  server: string;
}

export interface ServerAddress {
  host: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:5353", "[::1]:53", "::1" → host and port. */
export function parseServer(s: string): ServerAddress {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1], port: v6[2] ? Number(v6[2]) : 53 };
  if (isIPv6(s)) return { host: s, port: 53 };
  const m = /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m)
    throw new MailctlError('invalid-input', `not a DNS server address: ${s}`, {
      hint: 'use HOST or HOST:PORT',
    });
  const port = m[2] ? Number(m[2]) : 53;
  if (port < 1 || port > 65535) throw new MailctlError('invalid-input', `bad port in DNS server ${s}`);
  return { host: m[1], port };
}

export class RawDns {
  readonly servers: readonly ServerAddress[];
  private readonly timeoutMs: number;
  private readonly tries: number;

  constructor(opts: RawDnsOptions = {}) {
    const list = opts.servers && opts.servers.length > 0 ? opts.servers : getServers();
    this.servers = list.map(parseServer);
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.tries = opts.tries ?? 2;
  }

  /** One question; tries each server in turn; throws `unreachable` when none answers. */
  async query(name: string, type: RecordType, opts: QueryOptions = {}): Promise<RawResponse> {
    const errors: string[] = [];
    for (let attempt = 0; attempt < this.tries; attempt++) {
      for (const server of this.servers) {
        try {
          return await this.ask(server, name, type, opts);
        } catch (e) {
          errors.push(e instanceof Error ? e.message : String(e));
        }
      }
    }
    throw new MailctlError('unreachable', `DNS ${type} query for ${name} got no answer: ${errors.at(-1)}`, {
      where: this.servers.map(show).join(', '),
      hint: 'check that the resolver (--resolver HOST:PORT) is running and answers queries',
    });
  }

  private async ask(server: ServerAddress, name: string, type: RecordType, opts: QueryOptions) {
    const id = randomInt(0, 0x10000);
    const packet = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED | (opts.cd ? dnsPacket.CHECKING_DISABLED : 0),
      questions: [{ type, name, class: 'IN' }],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1232,
          flags: opts.dnssec ? dnsPacket.DNSSEC_OK : 0,
        } as Answer,
      ],
    });
    let buf = await udp(server, packet, id, this.timeoutMs);
    let res = dnsPacket.decode(buf);
    if (res.flag_tc) {
      buf = await tcp(server, packet, this.timeoutMs);
      res = dnsPacket.decode(buf);
    }
    if (res.id !== id) throw new Error(`${show(server)} answered with a wrong id`);
    return {
      name,
      type,
      rcode: (res as { rcode?: string }).rcode ?? 'NOERROR',
      ad: res.flag_ad,
      answers: res.answers ?? [],
      authorities: res.authorities ?? [],
      server: show(server),
    };
  }
}

function show(s: ServerAddress): string {
  return isIPv6(s.host) ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

function udp(server: ServerAddress, packet: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    let settled = false;
    const done = (err: Error | null, buf?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(buf as Buffer);
    };
    const timer = setTimeout(
      () => done(new Error(`${show(server)} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('error', (e) => done(new Error(`${show(server)}: ${e.message}`)));
    sock.on('message', (msg) => {
      // Ignore stray datagrams (late answers to an earlier try) instead of failing.
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) done(null, msg);
    });
    sock.send(packet, server.port, server.host, (e) => {
      if (e) done(new Error(`${show(server)}: ${e.message}`));
    });
  });
}

function tcp(server: ServerAddress, packet: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let data = Buffer.alloc(0);
    let settled = false;
    const done = (err: Error | null, buf?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(buf as Buffer);
    };
    const timer = setTimeout(
      () => done(new Error(`${show(server)} (TCP) did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('error', (e) => done(new Error(`${show(server)} (TCP): ${e.message}`)));
    sock.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        done(null, data.subarray(2, 2 + data.readUInt16BE(0)));
      }
    });
    sock.on('close', () => done(new Error(`${show(server)} (TCP) closed before answering`)));
    sock.connect(server.port, server.host, () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(packet.length);
      sock.write(Buffer.concat([len, packet]));
    });
  });
}
