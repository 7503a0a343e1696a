/** The embedded directory: one SQLite file (WAL) under data_dir. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { hashPassword, importHash } from '../../auth/password.js';
import { MailctlError } from '../../errors.js';
import { checkNewAlias, noSuchAlias, notATarget } from '../alias-rules.js';
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
import { sqliteError } from './errors.js';
import { migrate } from './schema.js';

export interface SqliteOptions {
  path: string;
  minPasswordLength: number;
  /** How long a write waits for another process's lock before failing (ms). */
  busyTimeout?: number;
}

interface AccountRow {
  address: string;
  display_name: string;
  quota: number;
  disabled: number;
  created_at: string;
  password_hash: string;
}

const toAccount = (r: AccountRow): Account => ({
  address: r.address,
  displayName: r.display_name,
  quota: r.quota,
  disabled: r.disabled !== 0,
  createdAt: r.created_at,
});

export class SqliteDirectory implements Directory {
  readonly kind = 'sqlite' as const;
  private constructor(
    private db: Database.Database,
    private opts: SqliteOptions,
  ) {}

  static open(opts: SqliteOptions): SqliteDirectory {
    try {
      mkdirSync(dirname(opts.path), { recursive: true });
      const db = new Database(opts.path, { timeout: opts.busyTimeout ?? 5000 });
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('foreign_keys = ON');
        db.pragma('synchronous = FULL');
        migrate(db, opts.path);
      } catch (e) {
        db.close();
        throw e;
      }
      return new SqliteDirectory(db, opts);
    } catch (e) {
      throw sqliteError(e, opts.path);
    }
  }

  /**
   * Prepared statements, one per SQL text, kept for the life of the connection: preparing
   * costs more than running these lookups (the SMTP RCPT path asks several per recipient).
   * better-sqlite3 re-prepares a cached statement by itself after a schema change.
   */
  private stmts = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Every statement goes through here so SQLite errors become clear ones. */
  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw sqliteError(e, this.opts.path);
    }
  }

  async recipient(address: string): Promise<Recipient> {
    return resolveRecipient(
      {
        isLocalDomain: (d) => this.isLocalDomain(d),
        getAccount: (a) => this.getAccount(a),
        getAlias: async (a) => this.alias(a),
      },
      address,
    );
  }

  async authenticate(address: string, password: string): Promise<AuthResult> {
    const a = canonicalAddress(address);
    const row = a ? this.row(a.address) : undefined;
    const found = row ? { account: toAccount(row), hash: row.password_hash } : undefined;
    return checkLogin(found, password, async (hash) => {
      this.run(() =>
        this.stmt('UPDATE accounts SET password_hash = ? WHERE address = ?').run(hash, row?.address),
      );
    });
  }

  async isLocalDomain(domain: string): Promise<boolean> {
    const d = domain.toLowerCase();
    return this.run(() => this.stmt('SELECT 1 FROM domains WHERE name = ?').get(d) !== undefined);
  }

  async sendableAddresses(account: string): Promise<string[]> {
    const a = canonicalAddress(account);
    if (!a || !this.row(a.address)) return [];
    const rows = this.run(
      () =>
        this.stmt(
          "SELECT DISTINCT address FROM alias_targets WHERE target = ? AND address NOT LIKE '@%' ORDER BY address",
        ).all(a.address) as { address: string }[],
    );
    return [a.address, ...rows.map((r) => r.address)];
  }

  async listDomains(): Promise<Domain[]> {
    return this.run(() =>
      (
        this.stmt('SELECT name, created_at FROM domains ORDER BY name').all() as {
          name: string;
          created_at: string;
        }[]
      ).map((r) => ({ name: r.name, createdAt: r.created_at })),
    );
  }

  async addDomain(name: string): Promise<Domain> {
    const d = checkDomain(name);
    if (await this.isLocalDomain(d)) {
      throw new MailctlError('exists', `domain ${d} already exists`, { hint: 'see `mailctl domains list`' });
    }
    this.run(() => this.stmt('INSERT INTO domains (name) VALUES (?)').run(d));
    const row = this.run(
      () => this.stmt('SELECT created_at FROM domains WHERE name = ?').get(d) as { created_at: string },
    );
    return { name: d, createdAt: row.created_at };
  }

  async removeDomain(name: string): Promise<void> {
    const d = checkDomain(name);
    await this.requireDomain(d);
    const n = this.run(
      () => this.stmt('SELECT COUNT(*) AS n FROM accounts WHERE domain = ?').get(d) as { n: number },
    ).n;
    const m = this.run(
      () =>
        this.stmt('SELECT COUNT(DISTINCT address) AS n FROM alias_targets WHERE domain = ?').get(d) as {
          n: number;
        },
    ).n;
    if (n > 0 || m > 0) {
      throw new MailctlError('invalid-input', `domain ${d} still has ${n} account(s) and ${m} alias(es)`, {
        hint: `remove them first (\`mailctl accounts list ${d}\`, \`mailctl aliases list ${d}\`)`,
      });
    }
    this.run(() => this.stmt('DELETE FROM domains WHERE name = ?').run(d));
  }

  private async requireDomain(d: string): Promise<void> {
    if (!(await this.isLocalDomain(d))) {
      throw new MailctlError('not-found', `${d} is not a local domain`, {
        hint: `add it first with \`mailctl domains add ${d}\``,
      });
    }
  }

  async listAccounts(domain?: string): Promise<Account[]> {
    const rows = this.run(() =>
      domain === undefined
        ? this.stmt('SELECT * FROM accounts ORDER BY domain, address').all()
        : this.stmt('SELECT * FROM accounts WHERE domain = ? ORDER BY address').all(checkDomain(domain)),
    ) as AccountRow[];
    return rows.map(toAccount);
  }

  private row(address: string): AccountRow | undefined {
    return this.run(
      () => this.stmt('SELECT * FROM accounts WHERE address = ?').get(address) as AccountRow | undefined,
    );
  }

  async getAccount(address: string): Promise<Account | undefined> {
    const a = canonicalAddress(address);
    const r = a ? this.row(a.address) : undefined;
    return r ? toAccount(r) : undefined;
  }

  private must(address: string): AccountRow {
    const a = checkAddress(address);
    const r = this.row(a.address);
    if (!r) {
      throw new MailctlError('not-found', `no account ${a.address}`, { hint: 'see `mailctl accounts list`' });
    }
    return r;
  }

  async addAccount(n: NewAccount): Promise<Account> {
    const a = checkAddress(n.address);
    await this.requireDomain(a.domain);
    if (this.row(a.address)) {
      throw new MailctlError('exists', `account ${a.address} already exists`, {
        hint: 'change its password with `mailctl accounts passwd`',
      });
    }
    if (this.alias(a.address)) {
      throw new MailctlError('exists', `${a.address} is already an alias`, {
        hint: 'remove the alias first',
      });
    }
    const hash = await this.newHash(n);
    this.run(() =>
      this.stmt(
        'INSERT INTO accounts (address, domain, display_name, quota, password_hash) VALUES (?, ?, ?, ?, ?)',
      ).run(a.address, a.domain, n.displayName ?? '', n.quota ?? 0, hash),
    );
    return toAccount(this.must(a.address));
  }

  private async newHash(n: NewAccount): Promise<string> {
    if (n.passwordHash !== undefined) return importHash(n.passwordHash);
    if (n.password !== undefined) {
      checkPassword(n.password, this.opts.minPasswordLength);
      return hashPassword(n.password);
    }
    return ''; // no password: cannot log in until one is set
  }

  async setPasswordHash(address: string, hash: string): Promise<void> {
    const r = this.must(address);
    const h = await importHash(hash);
    this.run(() => this.stmt('UPDATE accounts SET password_hash = ? WHERE address = ?').run(h, r.address));
  }

  async setPassword(address: string, password: string): Promise<void> {
    const r = this.must(address);
    checkPassword(password, this.opts.minPasswordLength);
    const h = await hashPassword(password);
    this.run(() => this.stmt('UPDATE accounts SET password_hash = ? WHERE address = ?').run(h, r.address));
  }

  async setDisabled(address: string, disabled: boolean): Promise<void> {
    const r = this.must(address);
    this.run(() =>
      this.stmt('UPDATE accounts SET disabled = ? WHERE address = ?').run(disabled ? 1 : 0, r.address),
    );
  }

  async setQuota(address: string, quota: number): Promise<void> {
    const r = this.must(address);
    this.run(() => this.stmt('UPDATE accounts SET quota = ? WHERE address = ?').run(quota, r.address));
  }

  async removeAccount(address: string): Promise<void> {
    const r = this.must(address);
    this.run(() => this.stmt('DELETE FROM accounts WHERE address = ?').run(r.address));
  }

  private alias(address: string): Alias | undefined {
    const rows = this.run(
      () =>
        this.stmt('SELECT target FROM alias_targets WHERE address = ? ORDER BY position').all(address) as {
          target: string;
        }[],
    );
    return rows.length ? { address, targets: rows.map((r) => r.target) } : undefined;
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    const rows = this.run(() =>
      domain === undefined
        ? this.stmt('SELECT address, target FROM alias_targets ORDER BY domain, address, position').all()
        : this.stmt(
            'SELECT address, target FROM alias_targets WHERE domain = ? ORDER BY address, position',
          ).all(checkDomain(domain)),
    ) as { address: string; target: string }[];
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.address, [...(out.get(r.address) ?? []), r.target]);
    return [...out].map(([address, targets]) => ({ address, targets }));
  }

  async addAlias(address: string, targets: string[]): Promise<Alias> {
    const k = await checkNewAlias(
      { isLocalDomain: (d) => this.isLocalDomain(d), isAccount: async (x) => this.row(x) !== undefined },
      address,
      targets,
    );
    this.run(() =>
      this.db.transaction(() => {
        const existing = this.alias(k.address)?.targets ?? [];
        const ins = this.stmt(
          'INSERT OR IGNORE INTO alias_targets (address, domain, target, position) VALUES (?, ?, ?, ?)',
        );
        for (const [i, t] of k.targets.entries()) ins.run(k.address, k.domain, t, existing.length + i);
      })(),
    );
    return this.alias(k.address) as Alias;
  }

  async removeAlias(address: string, target?: string): Promise<void> {
    const k = checkAliasAddress(address);
    const existing = this.alias(k.address);
    if (!existing) throw noSuchAlias(k.address);
    if (target === undefined) {
      this.run(() => this.stmt('DELETE FROM alias_targets WHERE address = ?').run(k.address));
      return;
    }
    const t = checkAddress(target).address;
    if (!existing.targets.includes(t)) throw notATarget(k.address, t, existing.targets);
    this.run(() => this.stmt('DELETE FROM alias_targets WHERE address = ? AND target = ?').run(k.address, t));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
