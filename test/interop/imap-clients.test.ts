/**
 * Real IMAP clients against the real daemon on loopback: mbsync (both ways, all folders),
 * Python's imaplib, curl (imap with STARTTLS and imaps), fetchmail over IMAP.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireProgram } from '../helpers/proc.js';

let d: TestDaemon;
const ALICE = 'alice@example.test';
const PASS = 'alice-password-1';

const msg = (s: string, body = `body of ${s}`) =>
  Buffer.from(
    `From: bob@example.test\r\nTo: ${ALICE}\r\nSubject: ${s}\r\nMessage-ID: <${s}@t>\r\n\r\n${body}\r\n`,
  );

async function deliver(folder: string, subject: string, flags?: string[]) {
  await d.daemon.ctx.store.deliver([{ user: ALICE, folder }], Readable.from([msg(subject)]), {
    source: 'smtp',
    flags,
  });
}

/** Runs a client asynchronously: the daemon lives in this process, so a sync spawn would starve it. */
function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout + stderr);
      },
    );
  });
}

before(async () => {
  d = await startTestDaemon({ only: ['imap'] });
  await d.daemon.ctx.store.ensureUser(ALICE);
  await d.daemon.ctx.store.createFolder(ALICE, 'Projects');
  await d.daemon.ctx.store.createFolder(ALICE, 'Projects.受信');
  await deliver('INBOX', 'inbox-1');
  await deliver('INBOX', 'inbox-2', ['\\Seen', '\\Flagged']);
  await deliver('Projects', 'proj-1', ['\\Answered']);
  await deliver('Projects.受信', 'jp-1');
});
after(async () => {
  await d.stop();
});

describe('real IMAP clients', () => {
  it('mbsync syncs every folder down and local changes back up', async () => {
    const mbsync = requireProgram('mbsync', 'isync');
    const local = join(d.dir, 'mbsync-local');
    mkdirSync(local, { recursive: true });
    const rc = join(d.dir, 'mbsyncrc');
    writeFileSync(
      rc,
      `IMAPAccount mailctl
Host localhost
Port ${d.port('imaps')}
User ${ALICE}
Pass ${PASS}
SSLType IMAPS
CertificateFile ${d.certs.caCert}

IMAPStore remote
Account mailctl

MaildirStore local
Path ${local}/
Inbox ${local}/INBOX
SubFolders Verbatim

Channel all
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
`,
    );
    await run(mbsync, ['-c', rc, '-a']);
    const names = readdirSync(local).sort();
    for (const n of ['INBOX', 'Projects', 'Sent', 'Trash']) assert.ok(names.includes(n), names.join(','));
    const sub = readdirSync(join(local, 'Projects'));
    // isync 1.4 keeps the IMAP (modified UTF-7) name for local folders: 受信 is "&U9dP4Q-".
    assert.ok(sub.includes('&U9dP4Q-'), sub.join(','));
    const inboxCur = readdirSync(join(local, 'INBOX', 'cur')).concat(
      readdirSync(join(local, 'INBOX', 'new')),
    );
    assert.equal(inboxCur.length, 2);
    assert.ok(
      inboxCur.some((f) => /:2,FS$/.test(f)),
      inboxCur.join(','),
    );
    // Up: a new local message and a local folder.
    mkdirSync(join(local, 'Local', 'cur'), { recursive: true });
    mkdirSync(join(local, 'Local', 'new'), { recursive: true });
    mkdirSync(join(local, 'Local', 'tmp'), { recursive: true });
    writeFileSync(join(local, 'Local', 'cur', '1700000000.1.host:2,S'), msg('from-mbsync'));
    await run(mbsync, ['-c', rc, '-a']);
    const v = await d.daemon.ctx.store.open({ user: ALICE, folder: 'Local' });
    assert.equal(v.messages().length, 1);
    assert.deepEqual(v.messages()[0].flags, ['\\Seen']);
    assert.match((await v.readAll(v.messages()[0].uid)).toString(), /Subject: from-mbsync/);
    v.close();
    // A flag changed on the server reaches the local copy.
    const inbox = await d.daemon.ctx.store.open({ user: ALICE, folder: 'INBOX' });
    await inbox.setFlags([inbox.messages()[0].uid], 'add', ['\\Answered']);
    inbox.close();
    await run(mbsync, ['-c', rc, '-a']);
    const after = readdirSync(join(local, 'INBOX', 'cur'));
    assert.ok(
      after.some((f) => /:2,R$/.test(f)),
      after.join(','),
    );
  });

  it("Python's imaplib logs in over STARTTLS, lists, fetches, searches", async () => {
    const py = requireProgram('python3', 'python3');
    const script = `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=${JSON.stringify(d.certs.caCert)})
m = imaplib.IMAP4('localhost', ${d.port('imap')})
m.starttls(ssl_context=ctx)
m.login(${JSON.stringify(ALICE)}, ${JSON.stringify(PASS)})
typ, boxes = m.list()
print('LIST', len(boxes))
typ, data = m.select('INBOX')
print('EXISTS', data[0].decode())
typ, data = m.search(None, 'SUBJECT', 'inbox-2')
print('SEARCH', data[0].decode())
typ, data = m.fetch('1', '(RFC822)')
print('BODY', b'Subject: inbox-1' in data[0][1])
typ, data = m.uid('FETCH', '1:*', '(FLAGS)')
print('FLAGS', data[1].decode())
m.append('Projects', '(\\\\Seen)', None, b'Subject: py\\r\\n\\r\\nhi\\r\\n')
m.logout()
`;
    const out = await run(py, ['-c', script]);
    assert.match(out, /LIST \d+/);
    assert.match(out, /EXISTS 2/);
    assert.match(out, /SEARCH 2/);
    assert.match(out, /BODY True/);
    assert.match(out, /FLAGS 2 \(UID 2 FLAGS \(\\Flagged \\Seen( \\Recent)?\)\)/);
  });

  it('curl lists and fetches over imaps and imap+STARTTLS', async () => {
    const curl = requireProgram('curl', 'curl');
    const common = ['-s', '--cacert', d.certs.caCert, '-u', `${ALICE}:${PASS}`];
    const list = await run(curl, [...common, `imaps://localhost:${d.port('imaps')}/`]);
    assert.match(list, /\* LIST .*INBOX/);
    const one = await run(curl, [...common, `imaps://localhost:${d.port('imaps')}/INBOX;UID=1`]);
    assert.match(one, /Subject: inbox-1/);
    const tls = await run(curl, [...common, '--ssl-reqd', `imap://localhost:${d.port('imap')}/INBOX;UID=2`]);
    assert.match(tls, /Subject: inbox-2/);
    const search = await run(curl, [
      ...common,
      '-X',
      'SEARCH SUBJECT proj',
      `imaps://localhost:${d.port('imaps')}/Projects`,
    ]);
    assert.match(search, /\* SEARCH 1/);
  });

  it('fetchmail retrieves over IMAP with TLS and marks mail seen', async () => {
    const fetchmail = requireProgram('fetchmail', 'fetchmail');
    await deliver('INBOX', 'for-fetchmail');
    const out = join(d.dir, 'fetchmail.mbox');
    const rc = join(d.dir, 'fetchmailrc');
    writeFileSync(
      rc,
      `poll localhost protocol IMAP port ${d.port('imaps')}
  user "${ALICE}" password "${PASS}"
  ssl sslcertck sslcertfile "${d.certs.caCert}"
  keep
  mda "/bin/sh -c 'cat >> ${out}'"
`,
      { mode: 0o600 },
    );
    await run(fetchmail, ['-f', rc, '--nosyslog', '-v', '--pidfile', join(d.dir, 'fetchmail.pid')], {
      env: { HOME: d.dir },
    });
    const mbox = readFileSync(out, 'utf8');
    assert.match(mbox, /Subject: for-fetchmail/);
    const v = await d.daemon.ctx.store.open({ user: ALICE, folder: 'INBOX' });
    assert.ok(v.messages().every((m) => m.flags.includes('\\Seen')));
    v.close();
  });
});
