/**
 * Real POP3 clients against the daemon: Python's poplib (POP3_SSL and STLS), curl
 * (pop3s and pop3 with --ssl-reqd) and fetchmail (STLS, deletes what it fetched).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireProgram } from '../helpers/proc.js';

const run = promisify(execFile);
let td: TestDaemon;
const alice = { address: 'alice@example.test', password: 'alice-password-1' };
const bob = { address: 'bob@example.test', password: 'bob-password-1' };
const body = (i: number) =>
  `From: sender@example.org\r\nSubject: message ${i}\r\nMessage-ID: <m${i}@example.org>\r\n\r\nline one\r\n.leading dot\r\nend ${i}\r\n`;

async function seed(user: string, n: number): Promise<void> {
  const store = td.daemon.ctx.store;
  await store.ensureUser(user);
  for (let i = 1; i <= n; i++)
    await store.deliver([{ user, folder: 'INBOX' }], Readable.from([Buffer.from(body(i))]), {
      source: 'local',
    });
}

before(async () => {
  td = await startTestDaemon({ only: ['pop3'] });
  await seed(alice.address, 3);
});
after(async () => td?.stop());

const PY = `
import json, poplib, ssl, sys
port, stls_port, ca, user, pw = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
out = {}
p = poplib.POP3_SSL('localhost', int(port), context=ctx)
p.user(user); p.pass_(pw)
out['stat'] = list(p.stat())
out['uidl'] = [l.decode() for l in p.uidl()[1]]
out['retr1'] = b'\\r\\n'.join(p.retr(1)[1]).decode() + '\\r\\n'
out['top'] = [l.decode() for l in p.top(2, 0)[1]]
p.dele(3)
p.quit()
q = poplib.POP3('localhost', int(stls_port))
out['capa'] = sorted(q.capa().keys())
q.stls(context=ctx)
q.user(user); q.pass_(pw)
out['stat_after'] = list(q.stat())
out['uidl_after'] = [l.decode() for l in q.uidl()[1]]
q.quit()
print(json.dumps(out))
`;

describe('POP3 with real clients', () => {
  test('python3 poplib: POP3_SSL and STLS; RETR un-stuffs dots; DELE applied at QUIT; stable UIDLs', async () => {
    const py = requireProgram('python3', 'python3');
    const { stdout } = await run(py, [
      '-c',
      PY,
      String(td.port('pop3s')),
      String(td.port('pop3')),
      td.certs.caCert,
      alice.address,
      alice.password,
    ]);
    const out = JSON.parse(stdout);
    assert.equal(out.stat[0], 3);
    assert.equal(out.retr1, body(1));
    assert.deepEqual(out.top, [
      'From: sender@example.org',
      'Subject: message 2',
      'Message-ID: <m2@example.org>',
      '',
    ]);
    assert.ok(out.capa.includes('STLS'));
    assert.equal(out.stat_after[0], 2);
    assert.deepEqual(out.uidl_after, out.uidl.slice(0, 2), 'UIDLs of the remaining messages did not change');
  });

  test('curl: pop3s list and retrieve, pop3 with --ssl-reqd (STLS)', async () => {
    const curl = requireProgram('curl', 'curl');
    const base = ['-s', '--cacert', td.certs.caCert, '-u', `${alice.address}:${alice.password}`];
    const list = await run(curl, [...base, `pop3s://localhost:${td.port('pop3s')}/`]);
    assert.match(list.stdout, /^1 \d+\r\n2 \d+\r\n$/);
    const msg = await run(curl, [...base, `pop3s://localhost:${td.port('pop3s')}/2`]);
    assert.equal(msg.stdout, body(2));
    const stls = await run(curl, [...base, '--ssl-reqd', `pop3://localhost:${td.port('pop3')}/1`]);
    assert.equal(stls.stdout, body(1));
  });

  test('fetchmail over STLS fetches every message and deletes it from the server', async () => {
    const fetchmail = requireProgram('fetchmail', 'fetchmail');
    await seed(bob.address, 4);
    const out = join(td.dir, 'fetched.txt');
    writeFileSync(out, '');
    const rc = join(td.dir, 'fetchmailrc');
    writeFileSync(
      rc,
      `set no syslog\npoll localhost protocol POP3 port ${td.port('pop3')} timeout 30\n` +
        `  user "${bob.address}" password "${bob.password}" is root here\n` +
        `  sslproto 'TLS1.2+' sslcertck sslcertfile "${td.certs.caCert}"\n` +
        `  mda "/bin/sh -c 'cat >> ${out}'"\n`,
    );
    chmodSync(rc, 0o600);
    const r = await run(fetchmail, ['-f', rc, '--nodetach', '--idfile', join(td.dir, 'fetchids'), '-v'], {
      env: { ...process.env, HOME: td.dir, FETCHMAILHOME: td.dir },
    }).catch((e: { stdout: string; stderr: string; code: number }) => {
      throw new Error(`fetchmail failed (${e.code}): ${e.stderr}\n${e.stdout}`);
    });
    assert.match(r.stderr + r.stdout, /4 messages/);
    const fetched = readFileSync(out, 'utf8');
    for (let i = 1; i <= 4; i++) assert.ok(fetched.includes(`Subject: message ${i}`), `message ${i} fetched`);
    assert.ok(fetched.includes('\n.leading dot'), 'dot-stuffing undone');
    const view = await td.daemon.ctx.store.open({ user: bob.address, folder: 'INBOX' });
    assert.equal(view.messages().length, 0, 'fetchmail deleted what it fetched');
  });
});
