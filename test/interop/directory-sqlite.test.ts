/** The directory contract on the embedded SQLite backend, plus SQLite-only failure modes. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteDirectory } from '../../src/directory/sqlite/sqlite.js';
import { MailctlError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { directoryContract, LEGACY } from './directory-contract.js';

directoryContract(async () => {
  const tmp = tempDir('mailctl-dir-sqlite-');
  const path = join(tmp.path, 'accounts.sqlite');
  const open = async () => SqliteDirectory.open({ path, minPasswordLength: 8 });
  const seed = await open();
  await seed.addDomain(LEGACY.domain);
  await seed.addAccount({
    address: LEGACY.carol.address,
    displayName: 'Carol Legacy',
    passwordHash: LEGACY.carol.hash,
  });
  await seed.addAccount({
    address: LEGACY.dave.address,
    displayName: 'Dave Legacy',
    passwordHash: LEGACY.dave.hash,
  });
  await seed.addAlias(LEGACY.carol.alternate, [LEGACY.carol.address]);
  await seed.close();
  return {
    name: 'sqlite',
    open,
    async rawHash(address) {
      const db = new Database(path, { readonly: true });
      try {
        return (
          db.prepare('SELECT password_hash FROM accounts WHERE address = ?').get(address) as {
            password_hash: string;
          }
        ).password_hash;
      } finally {
        db.close();
      }
    },
    async cleanup() {
      tmp.cleanup();
    },
  };
});

test('sqlite: WAL mode, schema version recorded, newer schema refused', async () => {
  const tmp = tempDir('mailctl-dir-sqlite-');
  try {
    const path = join(tmp.path, 'a.sqlite');
    await (await SqliteDirectory.open({ path, minPasswordLength: 8 })).close();
    const db = new Database(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(
      () => SqliteDirectory.open({ path, minPasswordLength: 8 }),
      (e: unknown) => {
        assert.ok(e instanceof MailctlError);
        assert.equal(e.code, 'storage');
        assert.match(e.message, /schema version 99, newer/);
        return true;
      },
    );
  } finally {
    tmp.cleanup();
  }
});

test('sqlite: a write lock held by another connection gives a clear "locked" error', async () => {
  const tmp = tempDir('mailctl-dir-sqlite-');
  const path = join(tmp.path, 'a.sqlite');
  const d = SqliteDirectory.open({ path, minPasswordLength: 8, busyTimeout: 50 });
  const other = new Database(path);
  try {
    other.exec('BEGIN EXCLUSIVE');
    await assert.rejects(d.addDomain('locked.test'), (e: unknown) => {
      assert.ok(e instanceof MailctlError);
      assert.equal(e.code, 'storage');
      assert.match(e.message, /locked/);
      assert.equal(e.where, path);
      assert.match(e.hint ?? '', /wait .* retry/);
      return true;
    });
    other.exec('ROLLBACK');
    await d.addDomain('locked.test');
  } finally {
    other.close();
    await d.close();
    tmp.cleanup();
  }
});

test('sqlite: a file that is not a database is reported, not a crash', async () => {
  const tmp = tempDir('mailctl-dir-sqlite-');
  try {
    const path = join(tmp.path, 'junk.sqlite');
    (await import('node:fs')).writeFileSync(path, 'this is not sqlite '.repeat(100));
    assert.throws(
      () => SqliteDirectory.open({ path, minPasswordLength: 8 }),
      (e: unknown) => {
        assert.ok(e instanceof MailctlError);
        assert.equal(e.code, 'storage');
        assert.match(e.message, /not a SQLite file|damaged/);
        return true;
      },
    );
  } finally {
    tmp.cleanup();
  }
});

test('import: a storage failure on a line stops the run, earlier lines stay done, a re-run completes it', async () => {
  const { applyImport, parseCsvAccounts } = await import('../../src/directory/import.js');
  const tmp = tempDir('mailctl-dir-sqlite-');
  const path = join(tmp.path, 'a.sqlite');
  const d = SqliteDirectory.open({ path, minPasswordLength: 8, busyTimeout: 50 });
  const other = new Database(path);
  try {
    await d.addDomain('example.test');
    const csv = [
      'address,password',
      ...[1, 2, 3, 4].map((i) => `u${i}@example.test,password-${i}-long`),
    ].join('\n');
    const records = parseCsvAccounts(csv, 'users.csv');
    // After line 3 (u2) is done, another process takes the write lock: line 4 fails for real.
    const results = await applyImport(d, records, { minPasswordLength: 8 }, (r) => {
      if (r.line === 3) other.exec('BEGIN EXCLUSIVE');
    });
    assert.deepEqual(
      results.map((r) => [r.line, r.status]),
      [
        [2, 'created'],
        [3, 'created'],
        [4, 'failed'],
        [5, 'not-attempted'],
      ],
    );
    assert.match(results[2].detail ?? '', /locked/);
    other.exec('ROLLBACK');
    assert.deepEqual(
      (await d.listAccounts()).map((a) => a.address),
      ['u1@example.test', 'u2@example.test'],
    );
    const again = await applyImport(d, records, { minPasswordLength: 8 });
    assert.deepEqual(
      again.map((r) => r.status),
      ['skipped', 'skipped', 'created', 'created'],
    );
  } finally {
    other.close();
    await d.close();
    tmp.cleanup();
  }
});
