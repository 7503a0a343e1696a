/**
 * Typed, cached lookups on top of RawDns. Every answer keeps the response code and the AD
 * bit, so callers can tell "no such name" from "no record" from "the resolver failed",
 * and whether a validating resolver vouched for it. Identical questions asked by several
 * checks at once share one query.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer, DnskeyData, DsData, RecordType, SrvData, TlsaData } from 'dns-packet';
import { type QueryOptions, RawDns, type RawDnsOptions, type RawResponse } from './raw.js';

export interface Lookup<T> {
  rcode: string;
  ad: boolean;
  records: T[];
  /** CNAMEs met on the way (owner → target), e.g. an MX target that is an alias. */
  cnames: { from: string; to: string }[];
}

export interface MxRecord {
  exchange: string;
  priority: number;
}

/** Lower case, no trailing dot. */
export function normalizeName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** The reverse-lookup name of an address: 4.3.2.1 for 1.2.3.4, nibbles for IPv6. */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return ip.split('.').reverse().join('.');
  if (isIPv6(ip)) return expandIPv6(ip).replace(/:/g, '').split('').reverse().join('.');
  throw new Error(`not an IP address: ${ip}`);
}

export function expandIPv6(ip: string): string {
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const fill = ip.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join(':');
}

export class DnsLookup {
  readonly raw: RawDns;
  private readonly cache = new Map<string, Promise<RawResponse>>();

  constructor(opts: RawDnsOptions = {}) {
    this.raw = new RawDns(opts);
  }

  /** One raw query, shared by everyone asking the same question (DO bit always set). */
  query(name: string, type: RecordType, opts: QueryOptions = {}): Promise<RawResponse> {
    const key = `${normalizeName(name)}/${type}/${opts.cd ? 'cd' : ''}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.raw.query(normalizeName(name) || '.', type, { dnssec: true, ...opts });
      // A failed query is not cached, so a later check may try again.
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }

  async get<T>(name: string, type: RecordType, pick: (a: Answer) => T | undefined): Promise<Lookup<T>> {
    const res = await this.query(name, type);
    const records: T[] = [];
    const cnames: { from: string; to: string }[] = [];
    for (const a of res.answers) {
      if (a.type === 'CNAME') cnames.push({ from: normalizeName(a.name), to: normalizeName(a.data) });
      else if (a.type === type) {
        const v = pick(a);
        if (v !== undefined) records.push(v);
      }
    }
    return { rcode: res.rcode, ad: res.ad, records, cnames };
  }

  txt(name: string): Promise<Lookup<string>> {
    return this.get(name, 'TXT', (a) => {
      if (a.type !== 'TXT') return undefined;
      const d = Array.isArray(a.data) ? a.data : [a.data];
      return d.map((c) => (Buffer.isBuffer(c) ? c.toString('utf8') : c)).join('');
    });
  }

  async mx(name: string): Promise<Lookup<MxRecord>> {
    const l = await this.get(name, 'MX', (a) =>
      a.type === 'MX'
        ? { exchange: normalizeName(a.data.exchange), priority: a.data.preference ?? 0 }
        : undefined,
    );
    l.records.sort((x, y) => x.priority - y.priority || x.exchange.localeCompare(y.exchange));
    return l;
  }

  a(name: string): Promise<Lookup<string>> {
    return this.get(name, 'A', (a) => (a.type === 'A' ? a.data : undefined));
  }

  aaaa(name: string): Promise<Lookup<string>> {
    return this.get(name, 'AAAA', (a) => (a.type === 'AAAA' ? a.data : undefined));
  }

  /** A then AAAA addresses; rcode of the A query (NXDOMAIN is the same for both). */
  async addresses(name: string): Promise<Lookup<string>> {
    const [v4, v6] = await Promise.all([this.a(name), this.aaaa(name)]);
    return {
      rcode: v4.rcode,
      ad: v4.ad && v6.ad,
      records: [...v4.records, ...v6.records],
      cnames: [...v4.cnames, ...v6.cnames.filter((c) => !v4.cnames.some((d) => d.from === c.from))],
    };
  }

  ptr(ip: string): Promise<Lookup<string>> {
    const zone = isIPv4(ip) ? 'in-addr.arpa' : 'ip6.arpa';
    return this.get(`${reverseName(ip)}.${zone}`, 'PTR', (a) =>
      a.type === 'PTR' ? normalizeName(a.data) : undefined,
    );
  }

  srv(name: string): Promise<Lookup<SrvData>> {
    return this.get(name, 'SRV', (a) =>
      a.type === 'SRV' ? { ...a.data, target: normalizeName(a.data.target) } : undefined,
    );
  }

  tlsa(name: string): Promise<Lookup<TlsaData>> {
    return this.get(name, 'TLSA', (a) => (a.type === 'TLSA' ? a.data : undefined));
  }

  dnskey(name: string): Promise<Lookup<DnskeyData>> {
    return this.get(name, 'DNSKEY', (a) => (a.type === 'DNSKEY' ? a.data : undefined));
  }

  ds(name: string): Promise<Lookup<DsData>> {
    return this.get(name, 'DS', (a) => (a.type === 'DS' ? a.data : undefined));
  }

  /** The SOA owner that answers for a name: the zone apex (from the answer or the authority). */
  async zoneOf(name: string): Promise<{ rcode: string; zone?: string; ad: boolean }> {
    const res = await this.query(name, 'SOA');
    const soa = [...res.answers, ...res.authorities].find((a) => a.type === 'SOA');
    return { rcode: res.rcode, ad: res.ad, zone: soa ? normalizeName(soa.name) : undefined };
  }
}
