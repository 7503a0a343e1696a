/**
 * A real Dovecot 2.3 on the same Maildir as the store: it sees the UIDs, UIDVALIDITY, flags,
 * keywords and folders mailctl wrote, and mailctl sees flags and mail Dovecot changed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { uidl } from '../../src/proto/pop3.js';
import { MaildirStore } from '../../src/store/maildir/store.js';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-store-dovecot-');
const mailRoot = join(tmp.path, 'mail');
const user = 'alice@example.test';
const INBOX = { user, folder: 'INBOX' };
let dc: Dovecot;
let store: MaildirStore;

const msg = (i: number) =>
  Readable.from([Buffer.from(`From: a@b.test\r\nSubject: m${i}\r\n\r\nbody ${i}\r\n`)]);

/** "uid=1 flags=\Seen $Label" lines from doveadm → Map uid → sorted flags. */
function dovecotFlags(mailbox: string): Map<number, string[]> {
  const out = dc.doveadm(['fetch', '-u', user, 'uid flags', 'mailbox', mailbox, 'all']);
  const map = new Map<number, string[]>();
  let uid = 0;
  for (const line of out.split('\n')) {
    const u = /^uid: (\d+)/.exec(line);
    if (u) uid = Number(u[1]);
    const f = /^flags:(.*)$/.exec(line);
    if (f)
      map.set(
        uid,
        f[1]
          .trim()
          .split(/\s+/)
          .filter((x) => x && x !== '\\Recent')
          .sort(),
      );
  }
  return map;
}

before(async () => {
  store = new MaildirStore({ mailRoot, fsync: true, quotaLimit: async () => 0 });
  await store.ensureUser(user);
  for (let i = 1; i <= 5; i++) await store.deliver([INBOX], msg(i), { source: 'smtp' });
  await store.deliver([INBOX], msg(6), { source: 'smtp', flags: ['\\Seen', '\\Flagged', 'Important'] });
  await store.createFolder(user, 'Projekte.受信');
  await store.subscribe(user, 'Projekte.受信', true);
  await store.deliver([{ user, folder: 'Projekte.受信' }], msg(7), {
    source: 'imap-append',
    flags: ['\\Answered'],
  });
  const v = await store.open(INBOX);
  await v.expunge([3]);
  await v.setFlags([2], 'add', ['\\Seen', '$Forwarded']);
  v.close();
  dc = await startDovecot({
    dir: join(tmp.path, 'dovecot'),
    mailRoot,
    users: [{ user, password: 'secret-pw' }],
  });
});
after(async () => {
  await dc?.stop();
  tmp.cleanup();
});

describe('store ↔ Dovecot on one Maildir', () => {
  test('Dovecot shows the same UIDs, UIDVALIDITY and flags', async () => {
    const view = await store.open(INBOX);
    const ours = new Map(view.messages().map((m) => [m.uid, [...m.flags].sort()]));
    assert.deepEqual([...ours.keys()], [1, 2, 4, 5, 6]);
    assert.deepEqual(dovecotFlags('INBOX'), ours);
    const st = dc.doveadm(['mailbox', 'status', '-u', user, 'uidvalidity uidnext messages', 'INBOX']);
    assert.match(st, new RegExp(`uidvalidity=${view.uidValidity}\\b`));
    assert.match(st, /uidnext=7\b/);
    assert.match(st, /messages=5\b/);
  });

  test("Dovecot's POP3 UIDLs equal mailctl's for the same messages", async () => {
    const view = await store.open(INBOX);
    const py = `import poplib,sys\np=poplib.POP3('127.0.0.1',${dc.pop3Port})\np.user('${user}');p.pass_('secret-pw')\nprint('\\n'.join(l.decode().split(' ')[1] for l in p.uidl()[1]))\np.rset();p.quit()`;
    const theirs = execFileSync('python3', ['-c', py], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(
      theirs,
      view.messages().map((m) => uidl(m.uid, view.uidValidity)),
    );
  });

  test('Dovecot lists the folders with the same names (modified UTF-7 decoded)', async () => {
    const list = dc.doveadm(['mailbox', 'list', '-u', user]).split('\n').filter(Boolean).sort();
    for (const n of ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive', 'Projekte', 'Projekte.受信']) {
      assert.ok(list.includes(n), `${n} in ${list.join(',')}`);
    }
    const subscribed = dc.doveadm(['mailbox', 'list', '-s', '-u', user]).split('\n').filter(Boolean).sort();
    assert.deepEqual(subscribed, ['Archive', 'Drafts', 'INBOX', 'Junk', 'Projekte.受信', 'Sent', 'Trash']);
    const f = dovecotFlags('Projekte.受信');
    assert.deepEqual([...f.entries()], [[1, ['\\Answered']]]);
  });

  test('with separator "/" Dovecot shows the same folders as "Projekte/受信"', async () => {
    dc.chownMail();
    const dc2 = await startDovecot({
      dir: join(tmp.path, 'dovecot-slash'),
      mailRoot,
      separator: '/',
      users: [{ user, password: 'secret-pw' }],
    });
    try {
      const list = dc2.doveadm(['mailbox', 'list', '-u', user]).split('\n').filter(Boolean);
      assert.ok(list.includes('Projekte/受信'), list.join(','));
    } finally {
      await dc2.stop();
    }
  });

  test('flags changed and mail appended through Dovecot IMAP are seen by the store', async () => {
    const view = await store.open(INBOX);
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: dc.imapPort,
      secure: false,
      auth: { user, pass: 'secret-pw' },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd('1', ['\\Deleted', 'Later'], { uid: true });
      await client.messageFlagsRemove('6', ['\\Flagged'], { uid: true });
      await client.append('INBOX', 'Subject: via dovecot\r\n\r\nx\r\n', ['\\Seen']);
      await client.mailboxUnsubscribe('Junk');
      await client.mailboxCreate('Von Dovecot.Unter');
    } finally {
      await client.logout();
    }
    const ch = await view.refresh();
    assert.deepEqual(
      ch.added.map((m) => m.uid),
      [7],
    );
    assert.deepEqual(ch.added[0].flags, ['\\Seen']);
    const byUid = new Map(view.messages().map((m) => [m.uid, [...m.flags].sort()]));
    assert.deepEqual(byUid.get(1), ['Later', '\\Deleted']);
    assert.deepEqual(byUid.get(6), ['Important', '\\Seen']);
    assert.deepEqual(ch.flagsChanged.map((m) => m.uid).sort(), [1, 6]);
    const folders = await store.listFolders(user);
    assert.equal(folders.find((f) => f.name === 'Junk')?.subscribed, false);
    assert.equal(folders.find((f) => f.name === 'Von Dovecot.Unter')?.selectable, true);
    // And mail delivered by mailctl afterwards continues Dovecot's numbering.
    const [d] = await store.deliver([INBOX], msg(8), { source: 'smtp' });
    assert.equal(d.uid, 8);
    dc.chownMail();
    assert.ok(dovecotFlags('INBOX').has(8));
  });
});
