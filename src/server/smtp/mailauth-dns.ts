/**
 * mailauth asks DNS through a function shaped like dns.promises.resolve(name, type).
 * This adapter answers from our Resolver (so [dns] servers — a local NSD in tests — is
 * used for SPF, DKIM, DMARC and ARC) and reproduces Node's error codes for "no such
 * record", which mailauth relies on to tell none from temperror.
 */
import type { DNSResolver } from 'mailauth';
import type { Resolver } from '../../dns/resolver.js';

type Answer = string[] | string[][] | { exchange: string; priority: number }[];

function noData(name: string, type: string): Error {
  const e = new Error(`${type} ${name}: no data`) as Error & { code: string };
  e.code = 'ENODATA';
  return e;
}

function tempFail(name: string, type: string, cause: unknown): Error {
  const e = new Error(`${type} ${name}: ${(cause as Error).message}`) as Error & { code: string };
  e.code = 'ESERVFAIL';
  return e;
}

/**
 * A small answer cache in front of the resolver: an MX sees many messages from the same few
 * sender domains, and SPF + DMARC cost two lookups per message. Answers and "no such
 * record" are kept CACHE_MS (well under usual TTLs); server failures are never cached.
 */
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

export function mailauthResolver(r: Resolver): DNSResolver {
  const cache = new Map<string, { until: number; answer?: Answer; error?: Error }>();
  const cached = async (name: string, type: string): Promise<Answer> => {
    const key = `${type.toUpperCase()} ${name.toLowerCase()}`;
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) {
      if (hit.error) throw hit.error;
      return hit.answer as Answer;
    }
    try {
      const answer = await resolve(name, type);
      remember(key, { answer });
      return answer;
    } catch (e) {
      if ((e as { code?: string }).code === 'ENODATA') remember(key, { error: e as Error });
      throw e;
    }
  };
  const remember = (key: string, v: { answer?: Answer; error?: Error }) => {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, { until: Date.now() + CACHE_MS, ...v });
  };
  const resolve = async (name: string, type: string): Promise<Answer> => {
    let answer: Answer;
    try {
      switch (type.toUpperCase()) {
        case 'TXT':
          answer = (await r.txt(name)).map((t) => [t]);
          break;
        case 'MX':
          answer = await r.mx(name);
          break;
        case 'A':
          answer = await r.a(name);
          break;
        case 'AAAA':
          answer = await r.aaaa(name);
          break;
        case 'PTR':
          answer = await r.ptr(/\.(in-addr|ip6)\.arpa\.?$/i.test(name) ? ptrToIp(name) : name);
          break;
        case 'CNAME':
          answer = await r.cname(name);
          break;
        default:
          throw noData(name, type);
      }
    } catch (e) {
      if ((e as { code?: string }).code === 'ENODATA') throw e;
      throw tempFail(name, type, e);
    }
    if (answer.length === 0) throw noData(name, type);
    return answer;
  };
  // MX answers are objects, which DNSResolver's type does not spell out.
  return cached as DNSResolver;
}

/** mailauth asks PTR by reverse name ("4.3.2.1.in-addr.arpa"); our Resolver wants the IP. */
function ptrToIp(name: string): string {
  const n = name.replace(/\.$/, '').toLowerCase();
  if (n.endsWith('.in-addr.arpa')) return n.slice(0, -'.in-addr.arpa'.length).split('.').reverse().join('.');
  const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.').reverse().join('');
  return nibbles.match(/.{4}/g)?.join(':') ?? n;
}
