/** The Maildir store on a real temp directory: deliver, open, flags, expunge, folders, quota. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { MaildirStore } from '../../src/store/maildir/store.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-store-');
after(() => tmp.cleanup());

function makeStore(quota = 0) {
  return new MaildirStore({
    mailRoot: join(tmp.path, `m${Math.random()}`),
    fsync: true,
    quotaLimit: async () => quota,
  });
}
const msg = (s: string) => Readable.from([Buffer.from(s)]);
const alice = { user: 'alice@example.test', folder: 'INBOX' };

// Bodies come as streams (large SMTP messages) or as buffers (in-memory SMTP messages,
// APPEND, migration: written by the durable writer thread); both paths must behave alike.
for (const kind of ['stream', 'buffer'] as const) {
  const mail = (s: string) => (kind === 'stream' ? msg(s) : Buffer.from(s));
  describe(`MaildirStore (${kind} bodies)`, () => {
    test('deliver numbers messages 1,2,3 and writes dovecot-uidlist v3', async () => {
      const store = makeStore();
      const d = [];
      for (let i = 0; i < 3; i++)
        d.push(...(await store.deliver([alice], mail(`Subject: ${i}\n\nbody\n`), { source: 'smtp' })));
      assert.deepEqual(
        d.map((x) => x.uid),
        [1, 2, 3],
      );
      const root = store.userRoot(alice.user);
      assert.match(root, /example\.test\/alice\/Maildir$/);
      const ul = readFileSync(join(root, 'dovecot-uidlist'), 'utf8').split('\n');
      assert.match(ul[0], /^3 V\d+ N\d+ G[0-9a-f]{32}$/);
      assert.match(ul[1], /^1 :\d+\.M\d+P\d+Q\d+\..+,S=\d+,W=\d+$/);
      assert.equal(readdirSync(join(root, 'new')).length, 3);
      assert.equal(readdirSync(join(root, 'tmp')).length, 0);
      const view = await store.open(alice);
      assert.equal(view.messages().length, 3);
      const body = (await view.readAll(1)).toString();
      assert.equal(body, 'Subject: 0\r\n\r\nbody\r\n');
      assert.equal(view.messages()[0].size, body.length);
    });

    test('flags go into the file name and keywords into dovecot-keywords', async () => {
      const store = makeStore();
      await store.deliver([alice], mail('a\r\n'), { source: 'smtp' });
      const view = await store.open(alice);
      const [m] = await view.setFlags([1], 'add', ['\\Seen', '\\flagged', '$Label1']);
      assert.deepEqual([...m.flags].sort(), ['$Label1', '\\Flagged', '\\Seen']);
      const root = store.userRoot(alice.user);
      assert.match(readdirSync(join(root, 'cur'))[0], /:2,FSa$/);
      assert.equal(readFileSync(join(root, 'dovecot-keywords'), 'utf8'), '0 $Label1\n');
      const other = await store.open(alice);
      assert.deepEqual([...other.messages()[0].flags].sort(), ['$Label1', '\\Flagged', '\\Seen']);
      await view.setFlags([1], 'remove', ['\\Seen']);
      const ch = await other.refresh();
      assert.equal(ch.flagsChanged.length, 1);
      assert.ok(ch.flagsChanged[0].modseq > m.modseq);
    });

    test('too large: nothing left behind', async () => {
      const store = makeStore();
      await assert.rejects(
        store.deliver([alice], mail('x'.repeat(5000)), { source: 'smtp', maxSize: 1000 }),
        (e: Error & { code?: string }) => e.code === 'too-large',
      );
      const root = store.userRoot(alice.user);
      assert.equal(readdirSync(join(root, 'tmp')).length, 0);
      assert.equal(readdirSync(join(root, 'new')).length, 0);
    });

    test('expunge removes files and the other view learns it at refresh', async () => {
      const store = makeStore();
      for (let i = 0; i < 3; i++) await store.deliver([alice], mail(`m${i}\r\n`), { source: 'smtp' });
      const a = await store.open(alice);
      const b = await store.open(alice);
      assert.deepEqual(await a.expunge([2]), [2]);
      assert.equal(b.messages().length, 3, 'snapshot unchanged until refresh');
      const ch = await b.refresh();
      assert.deepEqual(ch.expunged, [2]);
      await store.deliver([alice], mail('m3\r\n'), { source: 'smtp' });
      const ch2 = await b.refresh();
      assert.deepEqual(
        ch2.added.map((m) => m.uid),
        [4],
      );
    });

    test('folders: special-use, modified UTF-7 names, traversal refused', async () => {
      const store = makeStore();
      await store.ensureUser(alice.user);
      await store.createFolder(alice.user, '受信トレイ.重要');
      const root = store.userRoot(alice.user);
      assert.ok(existsSync(join(root, '.&U9dP4TDIMOwwpA-.&kc2JgQ-', 'cur')));
      const list = await store.listFolders(alice.user);
      const names = list.map((f) => f.name);
      for (const n of [
        'INBOX',
        'Sent',
        'Drafts',
        'Trash',
        'Junk',
        'Archive',
        '受信トレイ',
        '受信トレイ.重要',
      ])
        assert.ok(names.includes(n), n);
      assert.equal(list.find((f) => f.name === 'Sent')?.specialUse, '\\Sent');
      assert.equal(list.find((f) => f.name === '受信トレイ')?.selectable, false);
      for (const bad of ['..', '../x', 'a/b', 'a..b', '.hidden', 'x\u0001', '']) {
        await assert.rejects(store.createFolder(alice.user, bad), /not allowed/);
      }
      await store.renameFolder(alice.user, '受信トレイ', 'Inbox2');
      assert.ok((await store.listFolders(alice.user)).some((f) => f.name === 'Inbox2.重要'));
    });

    test('several targets: one write, hard links, per-target UIDs', async () => {
      const store = makeStore();
      const bob = { user: 'bob@example.test', folder: 'INBOX' };
      const d = await store.deliver([alice, bob], mail('hi\r\n'), { source: 'smtp', flags: ['\\Seen'] });
      assert.deepEqual(
        d.map((x) => [x.ref.user, x.uid]),
        [
          ['alice@example.test', 1],
          ['bob@example.test', 1],
        ],
      );
      const v = await store.open(bob);
      assert.deepEqual(v.messages()[0].flags, ['\\Seen']);
    });

    test('quota: usage counted and enforced', async () => {
      const store = makeStore(100);
      await store.deliver([alice], mail('x'.repeat(60)), { source: 'smtp' });
      assert.equal((await store.quota(alice.user)).usedBytes, 60);
      await assert.rejects(
        store.deliver([alice], mail('y'.repeat(60)), { source: 'smtp' }),
        (e: Error & { code?: string }) => e.code === 'quota',
      );
      assert.equal(readdirSync(join(store.userRoot(alice.user), 'new')).length, 1);
    });

    test('internal date becomes the mtime; bare LF in the body and the prepend become CRLF', async () => {
      const store = makeStore();
      const when = new Date('2019-03-04T05:06:07Z');
      const [d] = await store.deliver([alice], mail('Subject: x\n\nline\n'), {
        source: 'migrate',
        internalDate: when,
        prepend: 'X-A: 1\n',
      });
      const v = await store.open(alice);
      assert.equal((await v.readAll(d.uid)).toString(), 'X-A: 1\r\nSubject: x\r\n\r\nline\r\n');
      assert.equal(v.messages()[0].internalDate.getTime(), when.getTime());
      assert.equal(v.messages()[0].size, d.size);
    });

    test('a folder deleted under the delivery: a clear not-found error, nothing left', async () => {
      const store = makeStore();
      await store.deliver([alice], mail('a\r\n'), { source: 'smtp' });
      const { rmSync } = await import('node:fs');
      rmSync(join(store.userRoot(alice.user), 'tmp'), { recursive: true });
      await assert.rejects(
        store.deliver([alice], mail('b\r\n'), { source: 'smtp' }),
        (e: Error & { code?: string }) => e.code === 'not-found',
      );
      assert.equal(readdirSync(join(store.userRoot(alice.user), 'new')).length, 1);
    });
  });
}

test('uidsOf: deliveries numbered later get their UIDs in one go, in the order asked', async () => {
  const store = makeStore();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const [d] = await store.deliver([alice], msg(`m${i}\r\n`), { source: 'migrate', uidLater: true });
    assert.equal(d.uid, 0);
    ids.push(d.id);
  }
  const uids = await store.uidsOf(alice, ids);
  assert.deepEqual([...uids].sort(), [1, 2, 3, 4]);
  const v = await store.open(alice);
  for (const [k, id] of ids.entries()) {
    assert.equal((await v.readAll(uids[k])).toString(), `m${k}\r\n`, id);
  }
  assert.deepEqual(await store.uidsOf(alice, [ids[2], ids[0]]), [uids[2], uids[0]]);
});

test('CRLF normalisation across chunk boundaries', async () => {
  const { CrlfNormalizer } = await import('../../src/store/maildir/write.js');
  const n = new CrlfNormalizer();
  const out = Buffer.concat(
    ['a\n', '\nb\r', '\nc', '\n', 'd\r\n'].map((s) => n.push(Buffer.from(s))),
  ).toString();
  assert.equal(out, 'a\r\n\r\nb\r\nc\r\nd\r\n');
});

test('\\Recent goes to the first writable view; reads survive another process moving the file', async () => {
  const { renameSync } = await import('node:fs');
  const store = makeStore();
  await store.deliver([alice], msg('Subject: r\r\n\r\nbody\r\n'), { source: 'smtp' });
  const peek = await store.open(alice, { readOnly: true });
  assert.equal(peek.status().recent, 1);
  const a = await store.open(alice);
  const b = await store.open(alice);
  assert.equal(a.status().recent, 1);
  assert.equal(b.status().recent, 0);
  assert.ok(a.isRecent(1) && !b.isRecent(1));
  const root = store.userRoot(alice.user);
  assert.deepEqual(readdirSync(join(root, 'new')), []);
  // Another process (Dovecot) renames the file to set \Seen: our stale path must not matter.
  const [f] = readdirSync(join(root, 'cur'));
  renameSync(join(root, 'cur', f), join(root, 'cur', f.replace(/:2,.*$/, ':2,S')));
  assert.equal((await b.readAll(1)).toString(), 'Subject: r\r\n\r\nbody\r\n');
  const chunks: Buffer[] = [];
  for await (const c of a.read(1, { start: 9, end: 10 })) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'r');
});

test('copyTo keeps flags and order, numbers the copies in the target', async () => {
  const store = makeStore();
  await store.ensureUser(alice.user);
  for (let i = 0; i < 5; i++)
    await store.deliver([alice], msg(`Subject: ${i}\r\n\r\nx\r\n`), {
      source: 'smtp',
      flags: i === 2 ? ['\\Flagged', 'Todo'] : undefined,
    });
  const v = await store.open(alice);
  const r = await v.copyTo([2, 3, 5], 'Archive');
  assert.deepEqual(r.pairs, [
    [2, 1],
    [3, 2],
    [5, 3],
  ]);
  const t = await store.open({ user: alice.user, folder: 'Archive' });
  assert.equal(t.uidValidity, r.uidValidity);
  assert.deepEqual([...t.messages()[1].flags].sort(), ['Todo', '\\Flagged']);
  assert.equal((await t.readAll(3)).toString(), 'Subject: 4\r\n\r\nx\r\n');
});

test('a recreated dovecot-uidlist (new UIDVALIDITY) renumbers everything', async () => {
  const { unlinkSync } = await import('node:fs');
  const store = makeStore();
  for (let i = 0; i < 3; i++) await store.deliver([alice], msg(`m${i}\r\n`), { source: 'smtp' });
  const v = await store.open(alice);
  const before = v.uidValidity;
  await v.expunge([1]);
  unlinkSync(join(store.userRoot(alice.user), 'dovecot-uidlist'));
  const w = await store.open(alice);
  assert.notEqual(w.uidValidity, before);
  assert.deepEqual(
    w.messages().map((m) => m.uid),
    [1, 2],
  );
});

test('CONDSTORE modseq: kept across restarts via the cache, never lower after losing it', async () => {
  const { unlinkSync } = await import('node:fs');
  const mailRoot = join(tmp.path, `modseq${Math.random()}`);
  const mk = () => new MaildirStore({ mailRoot, fsync: false, quotaLimit: async () => 0 });
  const s1 = mk();
  await s1.deliver([alice], msg('a\r\n'), { source: 'smtp' });
  await s1.deliver([alice], msg('b\r\n'), { source: 'smtp' });
  const v1 = await s1.open(alice);
  const [m] = await v1.setFlags([2], 'add', ['\\Seen']);
  const high1 = v1.status().highestModseq;
  assert.equal(m.modseq, high1);
  await s1.flush();
  const v2 = await mk().open(alice);
  assert.equal(v2.messages()[1].modseq, m.modseq, 'unchanged message keeps its modseq');
  unlinkSync(join(s1.userRoot(alice.user), 'mailctl-modseq'));
  const v3 = await mk().open(alice);
  assert.ok(v3.messages().every((x) => x.modseq > high1));
  assert.ok(v3.status().highestModseq > high1);
});

test('deleteFolder removes the folder and its mail from quota; INBOX cannot be deleted', async () => {
  const store = makeStore();
  await store.ensureUser(alice.user);
  await store.createFolder(alice.user, 'Old');
  await store.deliver([{ user: alice.user, folder: 'Old' }], msg('x'.repeat(100)), { source: 'local' });
  await store.deliver([alice], msg('y'.repeat(10)), { source: 'local' });
  assert.equal((await store.quota(alice.user)).usedBytes, 110);
  await store.deleteFolder(alice.user, 'Old');
  assert.equal(
    (await store.listFolders(alice.user)).some((f) => f.name === 'Old'),
    false,
  );
  assert.equal((await store.quota(alice.user)).usedBytes, 10);
  assert.deepEqual(readdirSync(join(store.userRoot(alice.user), 'tmp')), []);
  await assert.rejects(store.deleteFolder(alice.user, 'INBOX'), /INBOX cannot be deleted/);
  await assert.rejects(
    store.deleteFolder(alice.user, 'Old'),
    (e: Error & { code?: string }) => e.code === 'not-found',
  );
  await assert.rejects(
    store.deliver([{ user: alice.user, folder: 'Old' }], msg('z'), { source: 'local' }),
    (e: Error & { code?: string }) => e.code === 'not-found',
  );
});

test('readAllSync: same bytes as readAll, follows a file renamed by another process, undefined when gone', async () => {
  const { renameSync, unlinkSync } = await import('node:fs');
  const store = makeStore();
  await store.deliver([alice], msg('Subject: s\n\nLF body\n'), { source: 'smtp' });
  const v = await store.open(alice);
  const viaSync = v.readAllSync?.(1);
  assert.equal(viaSync?.toString(), (await v.readAll(1)).toString());
  const cur = join(store.userRoot(alice.user), 'cur');
  const [f] = readdirSync(cur);
  renameSync(join(cur, f), join(cur, `${f.replace(/:2,.*$/, '')}:2,RS`));
  assert.equal(v.readAllSync?.(1)?.toString(), 'Subject: s\r\n\r\nLF body\r\n');
  unlinkSync(join(cur, readdirSync(cur)[0]));
  assert.equal(v.readAllSync?.(1), undefined);
  assert.equal(v.readAllSync?.(99), undefined);
});

test('hygiene: bad keywords refused; tmp/ leftovers older than 36 h swept, fresh ones kept', async () => {
  const { utimesSync, writeFileSync, existsSync: exists } = await import('node:fs');
  const store = makeStore();
  await store.deliver([alice], msg('x\r\n'), { source: 'smtp' });
  const root = store.userRoot(alice.user);
  const old = join(root, 'tmp', 'crashed.writer');
  const fresh = join(root, 'tmp', 'in.flight');
  writeFileSync(old, 'partial');
  writeFileSync(fresh, 'partial');
  const t = new Date(Date.now() - 40 * 3600_000);
  utimesSync(old, t, t);
  const v = await store.open(alice);
  await assert.rejects(v.setFlags([1], 'add', ['bad keyword']), /not a valid keyword/);
  await assert.rejects(v.setFlags([1], 'add', ['a(b']), /not a valid keyword/);
  await v.setFlags([1], 'add', ['$Good_1']);
  // The sweep runs in the background of the first sync; wait for its effect.
  // Bounded by time, not event-loop turns: on a loaded CI machine the fs pool is slow.
  const until = Date.now() + 5000;
  while (exists(old) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  assert.equal(exists(old), false);
  assert.equal(exists(fresh), true);
});
