/**
 * SPF (RFC 7208) syntax and evaluation, for auditing: parse a record into terms, walk the
 * include/redirect tree counting DNS-querying terms (limit 10) and void lookups (limit 2),
 * and evaluate check_host() for an address. DNS comes in through a small interface so
 * the walk is testable and uses the audit's resolver.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type Qualifier = '+' | '-' | '~' | '?';
export type Mechanism = 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';

export interface SpfTerm {
  qualifier: Qualifier;
  mechanism: Mechanism;
  /** Domain spec or network, without the CIDR suffix. */
  value?: string;
  cidr4?: number;
  cidr6?: number;
}

export interface SpfRecord {
  terms: SpfTerm[];
  redirect?: string;
  exp?: string;
  errors: string[];
}

export const lookupMechanisms: ReadonlySet<Mechanism> = new Set(['include', 'a', 'mx', 'ptr', 'exists']);
const mechanisms = new Set<string>(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);

export function isSpf(txt: string): boolean {
  return /^v=spf1(\s|$)/i.test(txt.trim());
}

export function parseSpf(txt: string): SpfRecord {
  const rec: SpfRecord = { terms: [], errors: [] };
  const parts = txt.trim().split(/\s+/);
  if (!/^v=spf1$/i.test(parts[0] ?? '')) rec.errors.push('record does not start with v=spf1');
  for (const raw of parts.slice(1)) {
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
    if (mod) {
      const name = mod[1].toLowerCase();
      if (name === 'redirect' || name === 'exp') {
        if (rec[name] !== undefined) rec.errors.push(`${name}= given twice`);
        if (!mod[2]) rec.errors.push(`${name}= without a domain`);
        rec[name] = mod[2];
      }
      continue; // unknown modifiers are ignored (RFC 7208 §6)
    }
    const m = /^([+\-~?]?)([a-z0-9]+)(?::([^/]*))?((?:\/\d+)?(?:\/\/\d+)?)$/i.exec(raw);
    const mech = m?.[2].toLowerCase();
    if (!m || !mech || !mechanisms.has(mech)) {
      rec.errors.push(`unknown term "${raw}"`);
      continue;
    }
    const term: SpfTerm = { qualifier: (m[1] || '+') as Qualifier, mechanism: mech as Mechanism };
    if (m[3] !== undefined) term.value = m[3];
    const cidr = /^(?:\/(\d+))?(?:\/\/(\d+))?$/.exec(m[4] ?? '');
    if (cidr?.[1]) term[mech === 'ip6' ? 'cidr6' : 'cidr4'] = Number(cidr[1]);
    if (cidr?.[2]) term.cidr6 = Number(cidr[2]);
    const problem = termProblem(term, raw);
    if (problem) rec.errors.push(problem);
    else rec.terms.push(term);
  }
  return rec;
}

function termProblem(t: SpfTerm, raw: string): string | undefined {
  const needsValue = ['include', 'exists', 'ip4', 'ip6'].includes(t.mechanism);
  if (needsValue && !t.value) return `"${raw}" needs a value`;
  if (t.mechanism === 'all' && t.value !== undefined) return `"${raw}": all takes no value`;
  if (t.mechanism === 'ip4' && (!isIPv4(t.value ?? '') || (t.cidr4 ?? 32) > 32))
    return `"${raw}" is not an IPv4 network`;
  if (t.mechanism === 'ip6' && (!isIPv6(t.value ?? '') || (t.cidr6 ?? 128) > 128))
    return `"${raw}" is not an IPv6 network`;
  if ((t.cidr4 ?? 0) > 32 || (t.cidr6 ?? 0) > 128) return `"${raw}": prefix length out of range`;
  return undefined;
}

/** What the SPF walk needs from DNS. */
export interface SpfDns {
  txt(name: string): Promise<{ rcode: string; records: string[] }>;
  addresses(name: string): Promise<{ records: string[] }>;
  mx(name: string): Promise<{ records: { exchange: string }[] }>;
}

export interface SpfWalk {
  /** DNS-querying terms over the whole tree (limit 10). */
  lookups: number;
  voidLookups: number;
  errors: string[];
  /** include/redirect targets met, in order. */
  visited: string[];
}

/** Walks the include/redirect tree from `domain`'s record, counting lookups and collecting errors. */
export async function walkSpf(domain: string, rec: SpfRecord, dns: SpfDns): Promise<SpfWalk> {
  const w: SpfWalk = { lookups: 0, voidLookups: 0, errors: [], visited: [] };
  await walk(domain, rec, dns, w, new Set([domain.toLowerCase()]));
  return w;
}

async function walk(
  domain: string,
  rec: SpfRecord,
  dns: SpfDns,
  w: SpfWalk,
  chain: Set<string>,
): Promise<void> {
  for (const t of rec.terms) {
    if (!lookupMechanisms.has(t.mechanism)) continue;
    w.lookups++;
    if (w.lookups > 30) return; // far past the limit: stop walking
    const target = expandTarget(t.value, domain);
    if (target === undefined) continue;
    if (t.mechanism === 'include') await follow('include', target, dns, w, chain);
    else if (t.mechanism === 'a' || t.mechanism === 'exists') {
      if ((await dns.addresses(target)).records.length === 0) w.voidLookups++;
    } else if (t.mechanism === 'mx') {
      const mx = await dns.mx(target);
      if (mx.records.length === 0) w.voidLookups++;
      if (mx.records.length > 10) w.errors.push(`mx:${target} has ${mx.records.length} MX hosts (limit 10)`);
    }
  }
  if (rec.redirect && !rec.terms.some((t) => t.mechanism === 'all')) {
    w.lookups++;
    const target = expandTarget(rec.redirect, domain);
    if (target) await follow('redirect', target, dns, w, chain);
  }
}

async function follow(
  kind: string,
  target: string,
  dns: SpfDns,
  w: SpfWalk,
  chain: Set<string>,
): Promise<void> {
  const key = target.toLowerCase();
  w.visited.push(key);
  if (chain.has(key)) {
    w.errors.push(`${kind}:${target} loops back to a record already being evaluated`);
    return;
  }
  const txt = await dns.txt(target);
  const recs = txt.records.filter(isSpf);
  if (recs.length === 0) {
    w.voidLookups++;
    w.errors.push(`${kind}:${target} has no SPF record (${txt.rcode}): a permanent error for every receiver`);
    return;
  }
  if (recs.length > 1) w.errors.push(`${kind}:${target} has ${recs.length} SPF records`);
  const child = parseSpf(recs[0]);
  for (const e of child.errors) w.errors.push(`${target}: ${e}`);
  await walk(target, child, dns, w, new Set([...chain, key]));
}

/** Domain spec with macros: we do not expand macros (returns undefined); empty means the current domain. */
function expandTarget(value: string | undefined, domain: string): string | undefined {
  if (!value) return domain;
  return value.includes('%') ? undefined : value;
}

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror';
const resultOf: Record<Qualifier, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

/** check_host() for an address, without macros or ptr (both count as "no match"). */
export async function evaluateSpf(ip: string, domain: string, dns: SpfDns, depth = 0): Promise<SpfResult> {
  if (depth > 10) return 'permerror';
  const recs = (await dns.txt(domain)).records.filter(isSpf);
  if (recs.length === 0) return 'none';
  if (recs.length > 1) return 'permerror';
  const rec = parseSpf(recs[0]);
  if (rec.errors.length > 0) return 'permerror';
  for (const t of rec.terms) {
    if (await matches(ip, t, domain, dns, depth)) return resultOf[t.qualifier];
  }
  if (rec.redirect && !rec.redirect.includes('%')) {
    const r = await evaluateSpf(ip, rec.redirect, dns, depth + 1);
    return r === 'none' ? 'permerror' : r;
  }
  return 'neutral';
}

async function matches(ip: string, t: SpfTerm, domain: string, dns: SpfDns, depth: number): Promise<boolean> {
  const target = expandTarget(t.value, domain);
  switch (t.mechanism) {
    case 'all':
      return true;
    case 'ip4':
    case 'ip6':
      return inNetwork(ip, t.value ?? '', t.mechanism === 'ip4' ? (t.cidr4 ?? 32) : (t.cidr6 ?? 128));
    case 'a':
      return target ? anyIn(ip, (await dns.addresses(target)).records, t) : false;
    case 'mx': {
      if (!target) return false;
      const hosts = (await dns.mx(target)).records.slice(0, 10);
      const addrs = await Promise.all(hosts.map((h) => dns.addresses(h.exchange)));
      return anyIn(
        ip,
        addrs.flatMap((a) => a.records),
        t,
      );
    }
    case 'include':
      return target ? (await evaluateSpf(ip, target, dns, depth + 1)) === 'pass' : false;
    case 'exists':
      return target ? (await dns.addresses(target)).records.length > 0 : false;
    default:
      return false;
  }
}

function anyIn(ip: string, addrs: string[], t: SpfTerm): boolean {
  return addrs.some((a) => inNetwork(ip, a, isIPv4(a) ? (t.cidr4 ?? 32) : (t.cidr6 ?? 128)));
}

export function inNetwork(ip: string, net: string, prefix: number): boolean {
  const fam = isIPv4(ip) ? 'ipv4' : 'ipv6';
  if ((isIPv4(net) ? 'ipv4' : 'ipv6') !== fam) return false;
  const bl = new BlockList();
  bl.addSubnet(net, prefix, fam);
  return bl.check(ip, fam);
}
