/**
 * Locking and failure paths of the store with real processes: several OS processes and
 * in-process writers delivering into one folder get distinct UIDs and every file is
 * numbered; a stale dovecot-uidlist.lock is broken; a body stream that fails mid-way
 * leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { MaildirStore } from '../../src/store/maildir/store.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-store-conc-');
after(() => (process.env.KEEP_TMP ? console.log(tmp.path) : tmp.cleanup()));
const storeModule = resolve('src/store/maildir/store.ts');
const ref = { user: 'carol@example.test', folder: 'INBOX' };

function childDeliver(mailRoot: string, count: number): Promise<void> {
  const code = `
    import { Readable } from 'node:stream';
    import { MaildirStore } from ${JSON.stringify(storeModule)};
    const s = new MaildirStore({ mailRoot: ${JSON.stringify(mailRoot)}, fsync: false, quotaLimit: async () => 0 });
    const ref = ${JSON.stringify(ref)};
    await Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; i < ${count}; i += 4) await s.deliver([ref], Readable.from([Buffer.from('Subject: ' + process.pid + '-' + i + '\\r\\n\\r\\nx\\r\\n')]), { source: 'local' });
    }));
  `;
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (c) => (c === 0 ? res() : rej(new Error(`child exited ${c}: ${err}`))));
  });
}

describe('store concurrency', () => {
  test('3 processes × 60 + 60 in-process deliveries: 240 distinct UIDs, all numbered', async () => {
    const mailRoot = join(tmp.path, 'conc');
    const store = new MaildirStore({ mailRoot, fsync: false, quotaLimit: async () => 0 });
    await store.ensureUser(ref.user);
    const local = (async () => {
      const uids: number[] = [];
      for (let i = 0; i < 60; i++) {
        const [d] = await store.deliver(
          [ref],
          Readable.from([Buffer.from(`Subject: local ${i}\r\n\r\nx\r\n`)]),
          { source: 'local' },
        );
        uids.push(d.uid);
      }
      return uids;
    })();
    await Promise.all([childDeliver(mailRoot, 60), childDeliver(mailRoot, 60), childDeliver(mailRoot, 60)]);
    const localUids = await local;
    assert.equal(new Set(localUids).size, 60);
    const root = store.userRoot(ref.user);
    const lines = readFileSync(join(root, 'dovecot-uidlist'), 'utf8').trim().split('\n').slice(1);
    const uids = lines.map((l) => Number(l.split(' ')[0]));
    assert.equal(uids.length, 240);
    assert.equal(new Set(uids).size, 240, 'no UID given twice');
    assert.deepEqual(
      uids,
      [...uids].sort((a, b) => a - b),
      'records in UID order',
    );
    assert.equal(readdirSync(join(root, 'new')).length, 240);
    const fresh = new MaildirStore({ mailRoot, fsync: false, quotaLimit: async () => 0 });
    const view = await fresh.open(ref);
    assert.equal(view.messages().length, 240);
    assert.deepEqual(
      view.messages().map((m) => m.uid),
      uids,
    );
    assert.equal((await fresh.quota(ref.user)).messages, 240);
  });

  test('a stale dovecot-uidlist.lock (older than 120 s) is broken', async () => {
    const mailRoot = join(tmp.path, 'stale');
    const store = new MaildirStore({ mailRoot, fsync: false, quotaLimit: async () => 0 });
    await store.ensureUser(ref.user);
    const lock = join(store.userRoot(ref.user), 'dovecot-uidlist.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 300_000);
    utimesSync(lock, old, old);
    const [d] = await store.deliver([ref], Readable.from([Buffer.from('x\r\n')]), { source: 'local' });
    assert.equal(d.uid, 1);
  });

  test('a body stream that fails mid-way leaves nothing behind', async () => {
    const mailRoot = join(tmp.path, 'broken');
    const store = new MaildirStore({ mailRoot, fsync: true, quotaLimit: async () => 0 });
    await store.ensureUser(ref.user);
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(100_000, 97));
    setImmediate(() => body.destroy(new Error('client went away')));
    await assert.rejects(store.deliver([ref], body, { source: 'smtp' }), /client went away/);
    const root = store.userRoot(ref.user);
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
    assert.deepEqual(readdirSync(join(root, 'new')), []);
  });
});
