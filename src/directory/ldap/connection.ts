/**
 * One LDAP connection with timeouts, bind, and retries on connection failures. Every
 * ldapts error becomes a MailctlError that says what happened, where, and what to do.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  Client,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  ResultCodeError,
  type SearchOptions,
} from 'ldapts';
import type { z } from 'zod';
import type { ldapSection } from '../../config/sections/directory.js';
import { MailctlError } from '../../errors.js';

export type LdapConfig = z.output<typeof ldapSection>;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isTlsError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/.test(code)
  );
}

function isConnectionError(e: unknown): boolean {
  if (isTlsError(e)) return false;
  if (e instanceof ResultCodeError) return false;
  const code = (e as { code?: unknown })?.code;
  const msg = e instanceof Error ? e.message : '';
  return (
    (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
    /timeout|timed out|connection|socket|closed/i.test(msg)
  );
}

export class LdapConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;

  constructor(readonly cfg: LdapConfig) {}

  /** CA, and the host the certificate must name (an upgraded socket does not know it). */
  private tlsOptions(): ConnectionOptions {
    const host = new URL(this.cfg.url).hostname.replace(/^\[|\]$/g, '');
    return {
      ...(this.cfg.ca ? { ca: readFileSync(this.cfg.ca) } : {}),
      host,
      servername: isIP(host) ? undefined : host,
    };
  }

  private newClient(): Client {
    // ldapts treats any tlsOptions as "connect with TLS": give them only for ldaps:// (StartTLS gets its own).
    const tlsOptions = /^ldaps:/i.test(this.cfg.url) ? this.tlsOptions() : undefined;
    return new Client({
      url: this.cfg.url,
      timeout: this.cfg.timeout,
      connectTimeout: this.cfg.timeout,
      tlsOptions,
      strictDN: false,
    });
  }

  /** The bound connection; concurrent callers share one connect (the daemon calls in parallel). */
  private connected(): Promise<Client> {
    if (this.client?.isConnected) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    await this.drop();
    const c = this.newClient();
    try {
      if (this.cfg.starttls) await c.startTLS(this.tlsOptions());
      if (this.cfg.bind_dn) await c.bind(this.cfg.bind_dn, this.cfg.bind_password);
    } catch (e) {
      await c.unbind().catch(() => undefined);
      throw e;
    }
    this.client = c;
    return c;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.unbind().catch(() => undefined);
  }

  /** Runs `op` on a bound connection; reconnects and retries on connection failures only. */
  async run<T>(what: string, op: (c: Client) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.cfg.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** (attempt - 1))));
      try {
        return await op(await this.connected());
      } catch (e) {
        last = e;
        if (!isConnectionError(e)) throw this.explain(e, what);
        await this.drop();
      }
    }
    throw this.explain(last, what);
  }

  search(base: string, filter: string, attributes: string[], opts: Partial<SearchOptions> = {}) {
    return this.run(`search ${filter}`, async (c) => {
      try {
        return (await c.search(base, { scope: 'sub', filter, attributes, ...opts })).searchEntries;
      } catch (e) {
        if (e instanceof NoSuchObjectError) {
          throw new MailctlError('config', `the LDAP base ${base} does not exist`, {
            where: this.cfg.url,
            hint: 'check directory.ldap.base_dn (and domain_base_dn)',
          });
        }
        throw e;
      }
    });
  }

  /** Checks a user's own password with a bind on a separate connection. */
  async bindAs(dn: string, password: string): Promise<boolean> {
    const c = this.newClient();
    try {
      await c.bind(dn, password);
      return true;
    } catch (e) {
      if (e instanceof InvalidCredentialsError) return false;
      throw this.explain(e, `bind as ${dn}`);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  explain(e: unknown, what: string): unknown {
    if (e instanceof MailctlError) return e;
    const where = this.cfg.url;
    if (e instanceof InvalidCredentialsError) {
      return new MailctlError(
        'config',
        `the LDAP server refused the bind as ${this.cfg.bind_dn || '(anonymous)'}`,
        {
          where,
          hint: 'check directory.ldap.bind_dn and bind_password',
          cause: e,
        },
      );
    }
    if (e instanceof InsufficientAccessError) {
      return new MailctlError(
        'config',
        `${this.cfg.bind_dn || 'the anonymous bind'} may not do this in LDAP (${what})`,
        {
          where,
          hint: 'grant write access to bind_dn in the server ACLs, or make the change with your LDAP tools',
          cause: e,
        },
      );
    }
    if (isTlsError(e)) {
      return new MailctlError(
        'config',
        `the LDAP server's certificate is not trusted: ${(e as Error).message}`,
        {
          where,
          hint: 'set directory.ldap.ca to the CA that signed it, and make sure the url names a host the certificate covers',
          cause: e,
        },
      );
    }
    if (e instanceof ResultCodeError) {
      return new MailctlError('invalid-input', `LDAP ${what} failed: ${e.message}`, { where, cause: e });
    }
    if (isConnectionError(e)) {
      return new MailctlError('unreachable', `cannot reach the LDAP server: ${(e as Error).message}`, {
        where,
        hint: `is it running and reachable? (tried ${this.cfg.retries + 1} time(s), timeout ${this.cfg.timeout} ms; see directory.ldap.url, timeout, retries)`,
        cause: e,
      });
    }
    return e;
  }

  async close(): Promise<void> {
    await this.drop();
  }
}
