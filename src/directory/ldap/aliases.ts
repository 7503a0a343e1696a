/** Aliases in LDAP: nisMailAlias entries (misc.schema), cn = alias or "@domain", rfc822MailMember = targets. */
import { Attribute, Change, type Entry } from 'ldapts';
import { noSuchAlias, notATarget } from '../alias-rules.js';
import type { Alias } from '../directory.js';
import type { LdapConfig, LdapConnection } from './connection.js';
import { ALIAS_CLASS, all, first } from './entry.js';
import { and, eq, escapeDnValue, escapeFilterValue } from './escape.js';

const MEMBER = 'rfc822MailMember';

export class LdapAliases {
  constructor(
    private conn: LdapConnection,
    private cfg: LdapConfig,
  ) {}

  async entry(address: string): Promise<Entry | undefined> {
    return (await this.conn.search(this.cfg.base_dn, and(ALIAS_CLASS, eq('cn', address)), ['cn', MEMBER]))[0];
  }

  async get(address: string): Promise<Alias | undefined> {
    const e = await this.entry(address);
    return e ? { address, targets: all(e, MEMBER).map((t) => t.toLowerCase()) } : undefined;
  }

  /** `domain` must be canonical already. */
  async list(domain?: string): Promise<Alias[]> {
    const filter =
      domain === undefined ? ALIAS_CLASS : and(ALIAS_CLASS, `(cn=*@${escapeFilterValue(domain)})`);
    const found = await this.conn.search(this.cfg.base_dn, filter, ['cn', MEMBER]);
    return found
      .map((e) => ({
        address: (first(e, 'cn') ?? '').toLowerCase(),
        targets: all(e, MEMBER).map((t) => t.toLowerCase()),
      }))
      .sort((x, y) => x.address.localeCompare(y.address));
  }

  /** Names of aliases (not catch-alls) that deliver to `address`. */
  async pointingAt(address: string): Promise<string[]> {
    const found = await this.conn.search(this.cfg.base_dn, and(ALIAS_CLASS, eq(MEMBER, address)), ['cn']);
    return found
      .map((x) => (first(x, 'cn') ?? '').toLowerCase())
      .filter((x) => x && !x.startsWith('@'))
      .sort();
  }

  /** Creates the alias or adds the targets it does not have yet (arguments already validated). */
  async add(address: string, targets: string[]): Promise<Alias> {
    const existing = await this.entry(address);
    if (existing) {
      const have = new Set(all(existing, MEMBER).map((t) => t.toLowerCase()));
      const values = targets.filter((t) => !have.has(t));
      if (values.length) {
        const change = new Change({
          operation: 'add',
          modification: new Attribute({ type: MEMBER, values }),
        });
        await this.conn.run(`modify ${existing.dn}`, (c) => c.modify(existing.dn, change));
      }
    } else {
      const dn = `cn=${escapeDnValue(address)},${this.cfg.base_dn}`;
      await this.conn.run(`add ${dn}`, (c) =>
        c.add(dn, { objectClass: 'nisMailAlias', cn: address, [MEMBER]: targets }),
      );
    }
    return (await this.get(address)) as Alias;
  }

  /** Removes one target (the entry when it was the last), or the whole alias. */
  async remove(address: string, target?: string): Promise<void> {
    const e = await this.entry(address);
    if (!e) throw noSuchAlias(address);
    const targets = all(e, MEMBER);
    const match = target === undefined ? undefined : targets.find((x) => x.toLowerCase() === target);
    if (target !== undefined && !match) throw notATarget(address, target, targets);
    if (match === undefined || targets.length === 1) {
      await this.conn.run(`delete ${e.dn}`, (c) => c.del(e.dn));
      return;
    }
    const change = new Change({
      operation: 'delete',
      modification: new Attribute({ type: MEMBER, values: [match] }),
    });
    await this.conn.run(`modify ${e.dn}`, (c) => c.modify(e.dn, change));
  }
}
