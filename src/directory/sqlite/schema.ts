/**
 * Versioned schema migrations for the SQLite directory. PRAGMA user_version holds the
 * version; each step runs in one transaction, so a crash never leaves a half-migrated file.
 * Append new steps; never edit a released one.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { MailctlError } from '../../errors.js';

const migrations: string[] = [
  // 1: domains, accounts, aliases
  `CREATE TABLE domains (
     name TEXT PRIMARY KEY,
     created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
   );
   CREATE TABLE accounts (
     address TEXT PRIMARY KEY,
     domain TEXT NOT NULL REFERENCES domains(name) ON DELETE RESTRICT,
     display_name TEXT NOT NULL DEFAULT '',
     quota INTEGER NOT NULL DEFAULT 0,
     password_hash TEXT NOT NULL DEFAULT '',
     disabled INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
   );
   CREATE INDEX accounts_domain ON accounts(domain);
   CREATE TABLE alias_targets (
     address TEXT NOT NULL,
     domain TEXT NOT NULL REFERENCES domains(name) ON DELETE RESTRICT,
     target TEXT NOT NULL,
     position INTEGER NOT NULL,
     PRIMARY KEY (address, target)
   );
   CREATE INDEX alias_targets_target ON alias_targets(target);`,
];

export const SCHEMA_VERSION = migrations.length;

export function migrate(db: BetterSqlite3.Database, where: string): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > SCHEMA_VERSION) {
    throw new MailctlError(
      'storage',
      `the account database has schema version ${current}, newer than this mailctl understands (${SCHEMA_VERSION})`,
      { where, hint: 'run the newer mailctl that wrote it, or restore a backup' },
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
