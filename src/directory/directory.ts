/**
 * Accounts, domains and aliases behind one interface. SQLite (embedded default) and LDAP
 * (several servers sharing accounts) pass the same test suite.
 */

export interface Account {
  /** Canonical address, lower-case: "alice@example.com". */
  address: string;
  displayName: string;
  /** Bytes; 0 = unlimited. */
  quota: number;
  disabled: boolean;
  createdAt?: string;
}

export interface Alias {
  /** "sales@example.com", or "@example.com" for a domain catch-all. */
  address: string;
  /** Local or external addresses. */
  targets: string[];
}

export interface Domain {
  name: string;
  createdAt?: string;
}

export type Recipient =
  | { kind: 'account'; account: Account }
  | { kind: 'alias'; alias: Alias; targets: string[] }
  | { kind: 'unknown-local' }
  | { kind: 'remote' };

export interface AuthResult {
  ok: boolean;
  account?: Account;
  /** Why it failed, for logs (never shown to the client). */
  reason?: 'unknown-user' | 'bad-password' | 'disabled';
}

export interface Directory {
  readonly kind: 'sqlite' | 'ldap';
  /** Resolves an envelope recipient: account, alias (expanded one level), unknown local, or remote domain. */
  recipient(address: string): Promise<Recipient>;
  /** Verifies a password; upgrades legacy hashes to the current scheme on success where writable. */
  authenticate(address: string, password: string): Promise<AuthResult>;
  isLocalDomain(domain: string): Promise<boolean>;
  /** Addresses an account may send as: its own and aliases that point at it. */
  sendableAddresses(account: string): Promise<string[]>;

  listDomains(): Promise<Domain[]>;
  addDomain(name: string): Promise<Domain>;
  removeDomain(name: string): Promise<void>;

  listAccounts(domain?: string): Promise<Account[]>;
  getAccount(address: string): Promise<Account | undefined>;
  addAccount(a: NewAccount): Promise<Account>;
  /** Stores a hash as given (import of a legacy scheme such as {SHA512-CRYPT}). */
  setPasswordHash(address: string, hash: string): Promise<void>;
  setPassword(address: string, password: string): Promise<void>;
  setDisabled(address: string, disabled: boolean): Promise<void>;
  setQuota(address: string, quota: number): Promise<void>;
  removeAccount(address: string): Promise<void>;

  listAliases(domain?: string): Promise<Alias[]>;
  addAlias(address: string, targets: string[]): Promise<Alias>;
  removeAlias(address: string, target?: string): Promise<void>;

  close(): Promise<void>;
}

export interface NewAccount {
  address: string;
  displayName?: string;
  quota?: number;
  /** Plain password (hashed here) or a ready hash in {SCHEME} form. */
  password?: string;
  passwordHash?: string;
}
