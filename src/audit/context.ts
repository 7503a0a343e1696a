/**
 * What every check gets: the options, one cached DNS client, and shared, memoised facts
 * (the MX set, each MX's SMTP greeting, each endpoint's TLS session) so that ten checks
 * running at once open each connection once.
 */
import { isIP } from 'node:net';
import { DnsLookup } from '../dns/lookup.js';
import { type Reply, SmtpConnection } from './smtp.js';
import { inspectTls, type ProbeOptions, type TlsEndpoint, type TlsSession } from './tls-probe.js';

export interface AuditOptions {
  domain: string;
  /** DNS servers ("host:port"); all DNS goes through them. Default: the system's. */
  resolvers?: string[];
  /** Submission / IMAPS / POP3S hosts to check besides those published as SRV records. */
  hosts?: string[];
  /** Sending addresses: SPF coverage and DNSBL listing. */
  ips?: string[];
  /** DKIM selectors; default: probe common ones. */
  selectors?: string[];
  /** The port MX hosts are reached on (25; tests use a high port). */
  smtpPort?: number;
  /** Per network operation (connect, reply, DNS try), milliseconds. */
  timeoutMs?: number;
  /** IP blocklist zones; default: well-known public lists. */
  dnsbl?: string[];
  /** Domain blocklist zones. */
  domainBlocklists?: string[];
  /** Port for the MTA-STS policy fetch (443; tests use a high port). */
  httpsPort?: number;
  /** Extra trusted CA certificates (PEM) for TLS and MTA-STS. */
  ca?: string[];
  /** The name we give in EHLO. */
  heloName?: string;
}

export interface MxHost {
  name: string;
  priority: number;
  addresses: string[];
  /** The MX target is an alias (forbidden by RFC 2181/5321). */
  cname?: string;
  /** No MX record: mail goes to the domain's own A/AAAA (RFC 5321 implicit MX). */
  implicit?: boolean;
}

export interface MxSet {
  /** NOERROR, NXDOMAIN, SERVFAIL… of the MX query. */
  rcode: string;
  nullMx: boolean;
  hosts: MxHost[];
}

export interface Greeting {
  banner?: Reply;
  ehlo?: Reply;
  /** Host names the server gives in its banner and EHLO reply. */
  bannerName?: string;
  ehloName?: string;
  error?: string;
}

export const defaultDnsbl = [
  'zen.spamhaus.org',
  'bl.spamcop.net',
  'b.barracudacentral.org',
  'psbl.surriel.com',
];
export const defaultDomainBlocklists = ['dbl.spamhaus.org', 'multi.uribl.com'];

export class AuditContext {
  readonly domain: string;
  readonly dns: DnsLookup;
  readonly smtpPort: number;
  readonly timeoutMs: number;
  readonly probe: ProbeOptions;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(readonly opts: AuditOptions) {
    this.domain = opts.domain.toLowerCase().replace(/\.$/, '');
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.dns = new DnsLookup({
      servers: opts.resolvers,
      timeoutMs: Math.max(500, this.timeoutMs / 2),
      tries: 2,
    });
    this.smtpPort = opts.smtpPort ?? 25;
    this.probe = {
      timeoutMs: this.timeoutMs,
      heloName: opts.heloName ?? 'mailctl-audit.example.net',
      ca: opts.ca,
    };
  }

  /** Shared promise per key: the first caller starts the work, the others wait for it. */
  once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = work();
      this.memo.set(key, p);
    }
    return p;
  }

  mx(): Promise<MxSet> {
    return this.once('mx', async () => {
      const mx = await this.dns.mx(this.domain);
      if (mx.records.length === 1 && mx.records[0].exchange === '')
        return { rcode: mx.rcode, nullMx: true, hosts: [] };
      const targets =
        mx.records.length > 0
          ? mx.records.map((r) => ({ name: r.exchange, priority: r.priority, implicit: false }))
          : mx.rcode === 'NOERROR'
            ? [{ name: this.domain, priority: 0, implicit: true }]
            : [];
      const hosts = await Promise.all(
        targets.map(async (t): Promise<MxHost> => {
          const a = await this.dns.addresses(t.name);
          const cname = a.cnames.find((c) => c.from === t.name)?.to;
          return { ...t, addresses: a.records, ...(cname ? { cname } : {}) };
        }),
      );
      // An implicit MX without addresses means: no mail host at all.
      return {
        rcode: mx.rcode,
        nullMx: false,
        hosts: hosts.filter((h) => !h.implicit || h.addresses.length > 0),
      };
    });
  }

  /** Banner and EHLO of an MX address on the SMTP port (one connection, then QUIT). */
  greeting(address: string): Promise<Greeting> {
    return this.once(`greet:${address}`, async () => {
      let conn: SmtpConnection | undefined;
      try {
        const opened = await SmtpConnection.open(
          { host: address, address, port: this.smtpPort },
          this.timeoutMs,
        );
        conn = opened.conn;
        const g: Greeting = { banner: opened.banner, bannerName: firstWord(opened.banner.lines[0]) };
        if (opened.banner.code !== 220) return { ...g, error: `greeted with ${opened.banner.code}` };
        const ehlo = await conn.ehlo(this.probe.heloName);
        return { ...g, ehlo, ehloName: firstWord(ehlo.lines[0]) };
      } catch (e) {
        return { error: e instanceof Error ? e.message : String(e) };
      } finally {
        conn?.close();
      }
    });
  }

  /** The TLS session of an endpoint, inspected once (TLS and DANE checks both need it). */
  tls(ep: TlsEndpoint): Promise<TlsSession> {
    return this.once(`tls:${ep.service}:${ep.host}:${ep.address}:${ep.port}`, () =>
      inspectTls(ep, this.probe),
    );
  }

  /** Every MX address as an endpoint on the SMTP port. */
  async mxEndpoints(): Promise<TlsEndpoint[]> {
    const mx = await this.mx();
    return mx.hosts.flatMap((h) =>
      h.addresses.map((a) => ({
        host: h.name,
        address: a,
        port: this.smtpPort,
        mode: 'starttls' as const,
        service: 'smtp',
      })),
    );
  }

  /** "mx1.example.com (192.0.2.1:25)" for findings. */
  static fmt(host: string, address: string, port?: number): string {
    const a = isIP(address) === 6 ? `[${address}]` : address;
    return `${host}${host === address ? '' : ` (${a}${port ? `:${port}` : ''})`}`;
  }
}

function firstWord(line: string | undefined): string | undefined {
  const w = line?.trim().split(/\s+/)[0];
  return w ? w.toLowerCase().replace(/\.$/, '') : undefined;
}
