/**
 * The LDAP directory, for several servers sharing accounts. Standard schema: accounts are
 * inetOrgPerson entries (mail, userPassword, cn; attribute names configurable), domains are
 * entries with associatedDomain (domainRelatedObject), aliases are nisMailAlias entries (misc.schema)
 * (cn = alias address or "@domain", rfc822MailMember = targets). Writes need a bind DN
 * the server lets write; reads and logins work with read access.
 */
import { Attribute, Change, type Entry } from 'ldapts';
import { hashPassword, importHash, toLdapScheme } from '../../auth/password.js';
import { MailctlError } from '../../errors.js';
import { checkNewAlias } from '../alias-rules.js';
import { checkLogin } from '../authenticate.js';
import type { Account, Alias, AuthResult, Directory, Domain, NewAccount, Recipient } from '../directory.js';
import { resolveRecipient } from '../resolve.js';
import {
  canonicalAddress,
  checkAddress,
  checkAliasAddress,
  checkDomain,
  checkPassword,
} from '../validate.js';
import { LdapAliases } from './aliases.js';
import { type LdapConfig, LdapConnection } from './connection.js';
import { all, DOMAIN_CLASS, first, isoTime } from './entry.js';
import { and, eq, escapeDnValue, escapeFilterValue } from './escape.js';

export class LdapDirectory implements Directory {
  readonly kind = 'ldap' as const;
  private aliases: LdapAliases;
  private constructor(
    private conn: LdapConnection,
    private cfg: LdapConfig,
    private minPasswordLength: number,
  ) {
    this.aliases = new LdapAliases(conn, cfg);
  }

  /** Connects and binds once, so a wrong URL or bind fails here with a clear error. */
  static async open(cfg: LdapConfig, opts: { minPasswordLength: number }): Promise<LdapDirectory> {
    const conn = new LdapConnection(cfg);
    await conn.run('bind', async () => undefined);
    return new LdapDirectory(conn, cfg, opts.minPasswordLength);
  }

  private get domainBase(): string {
    return this.cfg.domain_base_dn || this.cfg.base_dn;
  }

  private userAttrs(): string[] {
    const c = this.cfg;
    return [
      c.mail_attribute,
      c.name_attribute,
      c.password_attribute,
      c.quota_attribute,
      c.disabled_attribute,
      'createTimestamp',
    ].filter(Boolean);
  }

  private toAccount(e: Entry): Account {
    const c = this.cfg;
    return {
      address: (first(e, c.mail_attribute) ?? '').toLowerCase(),
      displayName: first(e, c.name_attribute) ?? '',
      quota: Number(first(e, c.quota_attribute) ?? 0) || 0,
      disabled: (first(e, c.disabled_attribute) ?? '').toUpperCase() === 'TRUE',
      createdAt: isoTime(first(e, 'createTimestamp')),
    };
  }

  private async findUser(address: string, alternates = false): Promise<Entry | undefined> {
    const c = this.cfg;
    const byAddress =
      alternates && c.alias_attribute
        ? `(|${eq(c.mail_attribute, address)}${eq(c.alias_attribute, address)})`
        : eq(c.mail_attribute, address);
    const found = await this.conn.search(c.base_dn, and(c.user_filter, byAddress), this.userAttrs(), {
      sizeLimit: 2,
    });
    return found[0];
  }

  private async mustUser(address: string): Promise<Entry> {
    const a = checkAddress(address);
    const e = await this.findUser(a.address);
    if (!e)
      throw new MailctlError('not-found', `no account ${a.address}`, { hint: 'see `mailctl accounts list`' });
    return e;
  }

  async recipient(address: string): Promise<Recipient> {
    return resolveRecipient(
      {
        isLocalDomain: (d) => this.isLocalDomain(d),
        getAccount: async (a) => {
          const e = await this.findUser(a, true);
          return e ? this.toAccount(e) : undefined;
        },
        getAlias: (a) => this.aliases.get(a),
      },
      address,
    );
  }

  async authenticate(address: string, password: string): Promise<AuthResult> {
    const a = canonicalAddress(address);
    const e = a ? await this.findUser(a.address) : undefined;
    if (e && first(e, this.cfg.password_attribute) === undefined) {
      // The ACL hides the hash from bind_dn: let the server check the password.
      const ok = await this.conn.bindAs(e.dn, password);
      const account = this.toAccount(e);
      if (!ok) return { ok: false, reason: 'bad-password' };
      return account.disabled ? { ok: false, reason: 'disabled', account } : { ok: true, account };
    }
    const found = e
      ? { account: this.toAccount(e), hash: first(e, this.cfg.password_attribute) ?? '' }
      : undefined;
    return checkLogin(found, password, (hash) =>
      this.replace(e?.dn ?? '', this.cfg.password_attribute, toLdapScheme(hash)),
    );
  }

  private replace(dn: string, type: string, value: string): Promise<void> {
    return this.conn.run(`modify ${dn}`, (c) =>
      c.modify(
        dn,
        new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }),
      ),
    );
  }

  async isLocalDomain(domain: string): Promise<boolean> {
    const found = await this.conn.search(
      this.domainBase,
      and(DOMAIN_CLASS, eq('associatedDomain', domain.toLowerCase())),
      ['associatedDomain'],
    );
    return found.length > 0;
  }

  async sendableAddresses(account: string): Promise<string[]> {
    const a = canonicalAddress(account);
    const e = a ? await this.findUser(a.address) : undefined;
    if (!a || !e) return [];
    const alternates = this.cfg.alias_attribute
      ? (
          await this.conn.search(e.dn, '(objectClass=*)', [this.cfg.alias_attribute], { scope: 'base' })
        ).flatMap((x) => all(x, this.cfg.alias_attribute))
      : [];
    const fromAliases = await this.aliases.pointingAt(a.address);
    return [...new Set([a.address, ...alternates.map((x) => x.toLowerCase()), ...fromAliases])];
  }

  async listDomains(): Promise<Domain[]> {
    const found = await this.conn.search(this.domainBase, and(DOMAIN_CLASS, '(associatedDomain=*)'), [
      'associatedDomain',
      'createTimestamp',
    ]);
    return found
      .flatMap((e) =>
        all(e, 'associatedDomain').map((name) => ({
          name: name.toLowerCase(),
          createdAt: isoTime(first(e, 'createTimestamp')),
        })),
      )
      .sort((x, y) => x.name.localeCompare(y.name));
  }

  async addDomain(name: string): Promise<Domain> {
    const d = checkDomain(name);
    if (await this.isLocalDomain(d))
      throw new MailctlError('exists', `domain ${d} already exists`, { hint: 'see `mailctl domains list`' });
    const dn = `ou=${escapeDnValue(d)},${this.domainBase}`;
    await this.conn.run(`add ${dn}`, (c) =>
      c.add(dn, { objectClass: ['organizationalUnit', 'domainRelatedObject'], ou: d, associatedDomain: d }),
    );
    return { name: d, createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  }

  async removeDomain(name: string): Promise<void> {
    const d = checkDomain(name);
    const found = await this.conn.search(this.domainBase, and(DOMAIN_CLASS, eq('associatedDomain', d)), [
      'associatedDomain',
    ]);
    if (!found.length)
      throw new MailctlError('not-found', `${d} is not a local domain`, {
        hint: 'see `mailctl domains list`',
      });
    const n = (await this.listAccounts(d)).length;
    const m = (await this.listAliases(d)).length;
    if (n > 0 || m > 0) {
      throw new MailctlError('invalid-input', `domain ${d} still has ${n} account(s) and ${m} alias(es)`, {
        hint: `remove them first (\`mailctl accounts list ${d}\`, \`mailctl aliases list ${d}\`)`,
      });
    }
    await this.conn.run(`delete ${found[0].dn}`, (c) => c.del(found[0].dn));
  }

  async listAccounts(domain?: string): Promise<Account[]> {
    const c = this.cfg;
    const byDomain =
      domain === undefined
        ? `(${c.mail_attribute}=*)`
        : `(${c.mail_attribute}=*@${escapeFilterValue(checkDomain(domain))})`;
    const found = await this.conn.search(c.base_dn, and(c.user_filter, byDomain), this.userAttrs());
    return found.map((e) => this.toAccount(e)).sort((x, y) => x.address.localeCompare(y.address));
  }

  async getAccount(address: string): Promise<Account | undefined> {
    const a = canonicalAddress(address);
    const e = a ? await this.findUser(a.address) : undefined;
    return e ? this.toAccount(e) : undefined;
  }

  async addAccount(n: NewAccount): Promise<Account> {
    const a = checkAddress(n.address);
    if (!(await this.isLocalDomain(a.domain))) {
      throw new MailctlError('not-found', `${a.domain} is not a local domain`, {
        hint: `add it first with \`mailctl domains add ${a.domain}\``,
      });
    }
    if (await this.findUser(a.address, true)) {
      throw new MailctlError('exists', `account ${a.address} already exists`, {
        hint: 'change its password with `mailctl accounts passwd`',
      });
    }
    if (await this.aliases.entry(a.address))
      throw new MailctlError('exists', `${a.address} is already an alias`, {
        hint: 'remove the alias first',
      });
    let hash: string | undefined;
    if (n.passwordHash !== undefined) hash = await importHash(n.passwordHash);
    else if (n.password !== undefined) {
      checkPassword(n.password, this.minPasswordLength);
      hash = toLdapScheme(await hashPassword(n.password));
    }
    const c = this.cfg;
    const name = n.displayName || a.local;
    const attrs: Record<string, string | string[]> = {
      objectClass: c.object_classes,
      uid: a.address,
      [c.mail_attribute]: a.address,
      cn: name,
      sn: name,
    };
    if (c.name_attribute !== 'cn') attrs[c.name_attribute] = name;
    if (hash) attrs[c.password_attribute] = hash;
    if (c.quota_attribute && n.quota) attrs[c.quota_attribute] = String(n.quota);
    const dn = `uid=${escapeDnValue(a.address)},${c.base_dn}`;
    await this.conn.run(`add ${dn}`, (cl) => cl.add(dn, attrs));
    return (await this.getAccount(a.address)) as Account;
  }

  async setPasswordHash(address: string, hash: string): Promise<void> {
    const e = await this.mustUser(address);
    await this.replace(e.dn, this.cfg.password_attribute, await importHash(hash));
  }

  async setPassword(address: string, password: string): Promise<void> {
    const e = await this.mustUser(address);
    checkPassword(password, this.minPasswordLength);
    await this.replace(e.dn, this.cfg.password_attribute, toLdapScheme(await hashPassword(password)));
  }

  async setDisabled(address: string, disabled: boolean): Promise<void> {
    const e = await this.mustUser(address);
    if (!this.cfg.disabled_attribute) {
      throw new MailctlError('config', 'this LDAP directory has no attribute for disabled accounts', {
        hint: 'set directory.ldap.disabled_attribute to a boolean attribute your schema allows on accounts',
      });
    }
    await this.replace(e.dn, this.cfg.disabled_attribute, disabled ? 'TRUE' : 'FALSE');
  }

  async setQuota(address: string, quota: number): Promise<void> {
    const e = await this.mustUser(address);
    if (!this.cfg.quota_attribute) {
      throw new MailctlError('config', 'this LDAP directory has no quota attribute', {
        hint: 'set directory.ldap.quota_attribute to an integer attribute your schema allows on accounts',
      });
    }
    await this.replace(e.dn, this.cfg.quota_attribute, String(quota));
  }

  async removeAccount(address: string): Promise<void> {
    const e = await this.mustUser(address);
    await this.conn.run(`delete ${e.dn}`, (c) => c.del(e.dn));
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    return this.aliases.list(domain === undefined ? undefined : checkDomain(domain));
  }

  async addAlias(address: string, targets: string[]): Promise<Alias> {
    const a = await checkNewAlias(
      {
        isLocalDomain: (d) => this.isLocalDomain(d),
        isAccount: async (x) => (await this.findUser(x)) !== undefined,
      },
      address,
      targets,
    );
    return this.aliases.add(a.address, a.targets);
  }

  async removeAlias(address: string, target?: string): Promise<void> {
    const k = checkAliasAddress(address);
    await this.aliases.remove(k.address, target === undefined ? undefined : checkAddress(target).address);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
