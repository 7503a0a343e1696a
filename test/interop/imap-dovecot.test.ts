/**
 * mailctl's IMAP server and Dovecot 2.3 on the same Maildir, both over IMAP: mail and
 * flags written through mailctl show up in Dovecot with the same UIDs, UIDVALIDITY and
 * flags; changes made through Dovecot are seen by an open mailctl session (NOOP).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';
import { RawImap, tagged } from '../helpers/imap-raw.js';

const ALICE = 'alice@example.test';
const PASS = 'alice-password-1';
let d: TestDaemon;
let dc: Dovecot;

function dovecotClient(): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: dc.imapPort,
    secure: false,
    auth: { user: ALICE, pass: 'dovecot-pw' },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
}

/** "UID FETCH 1:* (FLAGS)" through Dovecot → uid → sorted flags (without \Recent). */
async function dovecotFlags(folder: string): Promise<{ uidValidity: number; flags: Map<number, string[]> }> {
  const c = dovecotClient();
  await c.connect();
  try {
    const box = await c.mailboxOpen(folder);
    const flags = new Map<number, string[]>();
    if (box.exists > 0) {
      for await (const m of c.fetch('1:*', { flags: true, uid: true }, { uid: true })) {
        flags.set(m.uid, [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort());
      }
    }
    return { uidValidity: Number(box.uidValidity), flags };
  } finally {
    await c.logout();
  }
}

/** The same through mailctl's IMAP, parsed from raw responses. */
async function ourFlags(
  c: RawImap,
  folder: string,
): Promise<{ uidValidity: number; flags: Map<number, string[]> }> {
  const sel = await c.cmd('s', `EXAMINE ${folder}`);
  const uidValidity = Number(/UIDVALIDITY (\d+)/.exec(sel.join('\n'))?.[1]);
  const flags = new Map<number, string[]>();
  if (!sel.includes('* 0 EXISTS')) {
    for (const l of await c.cmd('f', 'UID FETCH 1:* (FLAGS)')) {
      const m = /UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+)/.exec(l);
      if (!m) continue;
      const uid = Number(m[1] ?? m[4]);
      const f = (m[2] ?? m[3]).split(' ').filter((x) => x && x !== '\\Recent');
      flags.set(uid, f.sort());
    }
  }
  return { uidValidity, flags };
}

async function login(): Promise<RawImap> {
  const { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
  assert.match(tagged(await c.cmd('l', `LOGIN ${ALICE} ${PASS}`)), /^OK/);
  return c;
}

function append(c: RawImap, folder: string, subject: string, flags: string): Promise<string[]> {
  const m = `From: x@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
  return c.cmd('a', `APPEND ${folder} (${flags}) {${m.length}+}\r\n${m}`);
}

before(async () => {
  d = await startTestDaemon({ only: ['imap'] });
  dc = await startDovecot({
    dir: join(d.dir, 'dovecot'),
    mailRoot: join(d.dir, 'data', 'mail'),
    users: [{ user: ALICE, password: 'dovecot-pw' }],
  });
});
after(async () => {
  await dc?.stop();
  await d?.stop();
});

describe('mailctl IMAP ↔ Dovecot IMAP on one Maildir', () => {
  it('mail and flags written through mailctl look the same through Dovecot', async () => {
    const c = await login();
    await c.cmd('c', 'CREATE "Kunden.&U9dP4Q-"');
    await append(c, 'INBOX', 'one', '\\Seen');
    await append(c, 'INBOX', 'two', '\\Flagged $Work');
    await append(c, 'INBOX', 'three', '');
    await append(c, 'INBOX', 'four', '\\Draft');
    await append(c, '"Kunden.&U9dP4Q-"', 'jp', '\\Answered');
    await c.cmd('x', 'SELECT INBOX');
    await c.cmd('y', 'STORE 3 +FLAGS (\\Deleted)');
    await c.cmd('z', 'EXPUNGE');
    await c.cmd('w', 'STORE 1 +FLAGS (NonJunk)');
    dc.chownMail();
    for (const folder of ['INBOX', 'Kunden.受信']) {
      const theirs = await dovecotFlags(folder);
      const ours = await ourFlags(c, folder === 'INBOX' ? 'INBOX' : '"Kunden.&U9dP4Q-"');
      assert.equal(theirs.uidValidity, ours.uidValidity, folder);
      assert.deepEqual([...theirs.flags], [...ours.flags], folder);
    }
    const ours = await ourFlags(c, 'INBOX');
    assert.deepEqual([...ours.flags.keys()], [1, 2, 4]);
    assert.deepEqual(ours.flags.get(1), ['NonJunk', '\\Seen']);
    const dl = dovecotClient();
    await dl.connect();
    const names = (await dl.list()).map((l) => l.path).sort();
    await dl.logout();
    for (const n of ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive', 'Kunden', 'Kunden.受信']) {
      assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    }
    await c.close();
  });

  it('flags and mail changed through Dovecot reach an open mailctl session', async () => {
    const c = await login();
    await c.cmd('s', 'SELECT INBOX');
    const dv = dovecotClient();
    await dv.connect();
    await dv.mailboxOpen('INBOX');
    await dv.messageFlagsAdd('2', ['\\Answered'], { uid: true });
    await dv.messageFlagsRemove('1', ['\\Seen'], { uid: true });
    await dv.append('INBOX', 'From: d@example.test\r\nSubject: via dovecot\r\n\r\nx\r\n', [
      '\\Seen',
      '$Dove',
    ]);
    await dv.logout();
    const r = await c.cmd('n', 'NOOP');
    assert.ok(r.includes('* 4 EXISTS'), r.join('\n'));
    assert.ok(
      r.some((l) => /^\* 2 FETCH \(FLAGS \(.*\\Answered/.test(l)),
      r.join('\n'),
    );
    assert.ok(
      r.some((l) => /^\* 1 FETCH \(FLAGS \(NonJunk( \\Recent)?\)\)/.test(l)),
      r.join('\n'),
    );
    const f = await c.cmd('f', 'UID FETCH 5 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    assert.match(f[0], /UID 5 FLAGS \(\\Seen \$Dove|UID 5 FLAGS \(\$Dove \\Seen/);
    assert.match(f[0], /Subject: via dovecot/);
    const theirs = await dovecotFlags('INBOX');
    const ours = await ourFlags(c, 'INBOX');
    assert.deepEqual([...theirs.flags], [...ours.flags]);
    await c.close();
  });
});
