/**
 * Where mail for a domain goes: MX hosts in preference order (equal preferences shuffled),
 * the domain itself when it has no MX (implicit MX, RFC 5321 §5.1), nowhere for a null MX
 * (RFC 7505), or the configured smarthost.
 */
import { isIP } from 'node:net';
import type { Resolver } from '../../dns/resolver.js';

export interface Hop {
  /** Name to report and to verify TLS against; undefined for IP literals. */
  name?: string;
  /** Addresses to try, in order; a name for a smarthost (the SMTP client resolves it). */
  addresses: string[];
  port: number;
}

export type Route =
  | { kind: 'hops'; hops: Hop[] }
  /** No mail accepted at all: permanent. */
  | { kind: 'refuses'; status: string; reason: string }
  /** MX hosts exist but none resolves (yet): temporary. */
  | { kind: 'unresolved'; reason: string };

export function parseHostPort(s: string, defPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(s.trim());
  if (!m) return { host: s, port: defPort };
  // A bare IPv6 address has colons but no brackets: all of it is the host.
  if (!s.includes('[') && isIP(s.trim()) === 6) return { host: s.trim(), port: defPort };
  return { host: m[1], port: m[2] ? Number(m[2]) : defPort };
}

function shuffleEqual<T extends { priority: number }>(recs: T[], random: () => number): T[] {
  const keyed = recs.map((r) => ({ r, k: random() }));
  keyed.sort((a, b) => a.r.priority - b.r.priority || a.k - b.k);
  return keyed.map((x) => x.r);
}

/** Throws (MailctlError 'unreachable') when DNS cannot be asked — a temporary failure. */
export async function routeFor(
  domain: string,
  resolver: Resolver,
  opts: { port: number; relayHost: string; random?: () => number },
): Promise<Route> {
  if (opts.relayHost) {
    const { host, port } = parseHostPort(opts.relayHost, 25);
    return { kind: 'hops', hops: [{ name: isIP(host) ? undefined : host, addresses: [host], port }] };
  }
  const literal = /^\[(?:ipv6:)?([0-9a-f:.]+)\]$/i.exec(domain);
  if (literal && isIP(literal[1]))
    return { kind: 'hops', hops: [{ addresses: [literal[1]], port: opts.port }] };
  const mx = await resolver.mx(domain);
  const real = mx.filter((m) => m.exchange !== '' && m.exchange !== '.');
  if (mx.length > 0 && real.length === 0) {
    return {
      kind: 'refuses',
      status: '5.1.10',
      reason: `${domain} does not accept mail (null MX, RFC 7505)`,
    };
  }
  if (real.length === 0) {
    const addrs = await resolver.addresses(domain);
    if (addrs.length === 0) {
      return { kind: 'refuses', status: '5.1.2', reason: `${domain} has no MX, A or AAAA record` };
    }
    return { kind: 'hops', hops: [{ name: domain, addresses: addrs, port: opts.port }] };
  }
  const hops: Hop[] = [];
  let lookupError: unknown;
  for (const m of shuffleEqual(real, opts.random ?? Math.random)) {
    const name = m.exchange.replace(/\.$/, '');
    try {
      const addresses = isIP(name) ? [name] : await resolver.addresses(name);
      if (addresses.length > 0) hops.push({ name, addresses, port: opts.port });
    } catch (e) {
      lookupError = e;
    }
  }
  if (hops.length === 0) {
    const why = lookupError instanceof Error ? `: ${lookupError.message}` : '';
    return { kind: 'unresolved', reason: `no address for any MX host of ${domain}${why}` };
  }
  return { kind: 'hops', hops };
}

/**
 * Routes per domain for a short while, with concurrent lookups for one domain shared: a
 * burst of mail to one destination asks DNS once instead of three queries per message
 * (which also overran the test DNS server). Lookup errors and unresolvable MX hosts are
 * not cached; answers are kept 60 s whatever their TTL (Node's resolver does not report it).
 */
export class RouteCache {
  private readonly entries = new Map<string, { at: number; route: Promise<Route> }>();

  constructor(private readonly ttlMs = 60_000) {}

  get(domain: string, resolver: Resolver, opts: { port: number; relayHost: string }): Promise<Route> {
    const key = `${domain.toLowerCase()}|${opts.port}|${opts.relayHost}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.route;
    const route = routeFor(domain, resolver, opts);
    this.entries.set(key, { at: now, route });
    const forget = () => {
      if (this.entries.get(key)?.route === route) this.entries.delete(key);
    };
    route.then((r) => r.kind === 'unresolved' && forget(), forget);
    if (this.entries.size > 10_000) {
      for (const [k, v] of this.entries) if (now - v.at >= this.ttlMs) this.entries.delete(k);
    }
    return route;
  }
}
