/**
 * One delivery attempt of one queued message: DKIM-sign if asked, group the open
 * recipients by domain, route each domain (MX / smarthost) and run one SMTP transaction
 * per domain under the concurrency limits. Returns a result for every open recipient.
 */
import { Readable } from 'node:stream';
import type { Config } from '../../config/load.js';
import type { Directory } from '../../directory/directory.js';
import type { Resolver } from '../../dns/resolver.js';
import { dkimSignature, domainListed, fromDomain, loadDkimKey, readHeaderBlock } from './dkim.js';
import type { Limiter } from './limiter.js';
import { type Hop, type RouteCache, routeFor } from './route.js';
import type { AttemptResult, MessageRow, Spool } from './spool.js';
import { type SendOutcome, sendOnce } from './transport.js';

export interface Outcome extends AttemptResult {
  fromRemote: boolean;
  status: 'delivered' | 'failed' | 'deferred';
  /** Enhanced status code when we decided ourselves (null MX …). */
  statusCode?: string;
  remoteMta?: string;
  /** Whether the SMTP session to the remote host used TLS (STARTTLS). */
  tls?: boolean;
}

export interface AttemptDeps {
  config: Config;
  resolver: Resolver;
  directory: Pick<Directory, 'isLocalDomain'>;
  spool: Spool;
  limiter: Limiter;
  /** Shared route cache; without it every attempt asks DNS. */
  routes?: RouteCache;
  signal: AbortSignal;
  log?: (fields: Record<string, unknown>, msg: string) => void;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export async function attemptMessage(
  row: MessageRow,
  rcpts: string[],
  deps: AttemptDeps,
): Promise<Outcome[]> {
  let signature = '';
  try {
    signature = await signatureFor(row, deps);
  } catch (e) {
    return rcpts.map((rcpt) => ({
      rcpt,
      status: 'deferred',
      error: (e as Error).message,
      fromRemote: false,
    }));
  }
  const sig = Buffer.from(signature);
  const message = () => {
    const body = deps.spool.read(row);
    if (sig.length === 0) return body;
    const out = Readable.from(
      (async function* () {
        yield sig;
        for await (const c of body) yield c as Buffer;
      })(),
    );
    out.once('close', () => body.destroy());
    return out;
  };
  const byDomain = new Map<string, string[]>();
  for (const r of rcpts) byDomain.set(domainOf(r), [...(byDomain.get(domainOf(r)) ?? []), r]);
  const parts = await Promise.all(
    [...byDomain].map(([domain, list]) =>
      deps.limiter.run(domain, () => deliverDomain(domain, list, row, message, row.len + sig.length, deps)),
    ),
  );
  return parts.flat();
}

async function signatureFor(row: MessageRow, deps: AttemptDeps): Promise<string> {
  const { dkim } = deps.config;
  if (!row.dkim || !dkim.selector) return '';
  const domain = fromDomain(await readHeaderBlock(deps.spool.read(row)));
  if (!domain) return '';
  const ours =
    dkim.domains.length > 0 ? domainListed(domain, dkim.domains) : await deps.directory.isLocalDomain(domain);
  if (!ours) return '';
  const key = loadDkimKey(dkim.key);
  return dkimSignature(() => deps.spool.read(row), { domain, selector: dkim.selector, key });
}

async function deliverDomain(
  domain: string,
  rcpts: string[],
  row: MessageRow,
  message: () => Readable,
  size: number,
  deps: AttemptDeps,
): Promise<Outcome[]> {
  const d = deps.config.delivery;
  const all = (status: Outcome['status'], error: string, statusCode?: string): Outcome[] =>
    rcpts.map((rcpt) => ({ rcpt, status, error, fromRemote: false, ...(statusCode ? { statusCode } : {}) }));
  if (deps.signal.aborted) return all('deferred', 'daemon stopping');
  let route: Awaited<ReturnType<typeof routeFor>>;
  try {
    const opts = { port: d.port, relayHost: d.relay_host };
    route = await (deps.routes
      ? deps.routes.get(domain, deps.resolver, opts)
      : routeFor(domain, deps.resolver, opts));
  } catch (e) {
    return all('deferred', (e as Error).message);
  }
  if (route.kind === 'refuses') return all('failed', route.reason, route.status);
  if (route.kind === 'unresolved') return all('deferred', route.reason);
  let last: SendOutcome | undefined;
  let lastHop: Hop | undefined;
  for (const hop of route.hops) {
    for (const address of hop.addresses) {
      if (deps.signal.aborted) return all('deferred', 'daemon stopping');
      last = await sendOnce({
        host: address,
        port: hop.port,
        servername: hop.name,
        heloName: deps.config.hostname,
        requireTls: d.require_tls,
        verifyTls: d.verify_tls,
        connectTimeout: d.connect_timeout,
        ...(d.relay_host && d.relay_user ? { auth: { user: d.relay_user, pass: d.relay_password } } : {}),
        sender: row.sender,
        recipients: rcpts,
        size,
        message,
        signal: deps.signal,
      });
      lastHop = hop;
      deps.log?.(
        {
          queueId: row.id,
          domain,
          host: hop.name,
          address,
          port: hop.port,
          tls: last.tls,
          reply: last.summary,
        },
        last.tryNext ? 'delivery attempt failed; trying the next host' : 'delivery attempt',
      );
      if (!last.tryNext) break;
    }
    if (last && !last.tryNext) break;
  }
  if (!last) return all('deferred', `no host to try for ${domain}`);
  const tls = last.tls;
  return last.results.map((r) => ({ ...r, tls, ...(lastHop?.name ? { remoteMta: lastHop.name } : {}) }));
}
