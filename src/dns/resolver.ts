/**
 * The DNS resolver every part of mailctl uses. Servers are configurable ("ip" or "ip:port")
 * so that tests point all lookups at a local authoritative server.
 * NXDOMAIN / NODATA come back as empty answers, not errors; a server that does not answer
 * is an error (`unreachable`), because "no record" and "could not ask" mean different things.
 */
import { Resolver as NodeResolver } from 'node:dns/promises';
import { errnoCode, MailctlError } from '../errors.js';

export interface ResolverOptions {
  servers?: readonly string[];
  /** Milliseconds per try. */
  timeout?: number;
  tries?: number;
}

export interface MxRecord {
  exchange: string;
  priority: number;
}

const emptyCodes = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'NXDOMAIN']);

export class Resolver {
  private readonly r: NodeResolver;
  readonly servers: readonly string[];

  constructor(opts: ResolverOptions = {}) {
    this.r = new NodeResolver({ timeout: opts.timeout ?? 5000, tries: opts.tries ?? 2 });
    if (opts.servers && opts.servers.length > 0) this.r.setServers([...opts.servers]);
    this.servers = this.r.getServers();
  }

  private async ask<T>(name: string, type: string, fn: () => Promise<T[]>): Promise<T[]> {
    try {
      return await fn();
    } catch (e) {
      const code = errnoCode(e);
      if (code && emptyCodes.has(code)) return [];
      throw new MailctlError('unreachable', `DNS ${type} lookup for ${name} failed (${code ?? String(e)})`, {
        where: this.servers.join(', '),
        hint: 'check that the DNS servers in [dns] servers (or --resolver) answer',
        cause: e,
      });
    }
  }

  /** MX sorted by preference. */
  async mx(name: string): Promise<MxRecord[]> {
    const recs = await this.ask(name, 'MX', () => this.r.resolveMx(name));
    return recs
      .map((r) => ({ exchange: r.exchange, priority: r.priority }))
      .sort((a, b) => a.priority - b.priority);
  }

  a(name: string): Promise<string[]> {
    return this.ask(name, 'A', () => this.r.resolve4(name));
  }

  aaaa(name: string): Promise<string[]> {
    return this.ask(name, 'AAAA', () => this.r.resolve6(name));
  }

  /** A and AAAA together (A first). */
  async addresses(name: string): Promise<string[]> {
    const [v4, v6] = await Promise.all([this.a(name), this.aaaa(name)]);
    return [...v4, ...v6];
  }

  /** TXT records, each joined from its character-strings. */
  async txt(name: string): Promise<string[]> {
    const recs = await this.ask(name, 'TXT', () => this.r.resolveTxt(name));
    return recs.map((chunks) => chunks.join(''));
  }

  ptr(ip: string): Promise<string[]> {
    return this.ask(ip, 'PTR', () => this.r.reverse(ip));
  }

  cname(name: string): Promise<string[]> {
    return this.ask(name, 'CNAME', () => this.r.resolveCname(name));
  }
}
