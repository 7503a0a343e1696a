/**
 * Real third-party SMTP clients against the daemon: swaks (STARTTLS, AUTH PLAIN/LOGIN,
 * pipelining, implicit TLS) and Python's smtplib. Each result is checked in the Store.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireProgram } from '../helpers/proc.js';

const run = promisify(execFile);
let td: TestDaemon;
let swaks: string;
let python: string;

before(async () => {
  swaks = requireProgram('swaks', 'swaks');
  python = requireProgram('python3', 'python3');
  td = await startTestDaemon({ only: ['smtp'] });
});
after(async () => {
  await td?.stop();
});

async function subjects(user: string): Promise<string[]> {
  const view = await td.daemon.ctx.store.open({ user, folder: 'INBOX' }, { readOnly: true });
  try {
    const out: string[] = [];
    for (const m of view.messages()) {
      const t = (await view.readAll(m.uid)).toString();
      out.push(/^Subject: (.*)$/m.exec(t)?.[1]?.trim() ?? '');
    }
    return out;
  } finally {
    view.close();
  }
}

async function swaksRun(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(swaks, args, { timeout: 30_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

describe('swaks', () => {
  it('MX: STARTTLS and pipelining to a local account', async () => {
    const r = await swaksRun([
      '--server',
      `127.0.0.1:${td.port('smtp')}`,
      '--tls',
      '--pipeline',
      '--from',
      'someone@remote.test',
      '--to',
      'alice@example.test',
      '--header',
      'Subject: swaks-mx',
      '--helo',
      'swaks.example.net',
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /PIPELINING/);
    assert.match(r.out, /250 2\.6\.0/);
    assert.ok((await subjects('alice@example.test')).includes('swaks-mx'));
  });

  it('MX: relaying is refused (swaks exit code 24 = RCPT refused)', async () => {
    const r = await swaksRun([
      '--server',
      `127.0.0.1:${td.port('smtp')}`,
      '--from',
      'a@remote.test',
      '--to',
      'b@elsewhere.test',
      '--helo',
      'swaks.example.net',
    ]);
    assert.equal(r.code, 24, r.out);
    assert.match(r.out, /554 5\.7\.1 relay access denied/);
  });

  it('submission: STARTTLS + AUTH LOGIN', async () => {
    const r = await swaksRun([
      '--server',
      `127.0.0.1:${td.port('submission')}`,
      '--tls',
      '--auth',
      'LOGIN',
      '--auth-user',
      'bob@example.test',
      '--auth-password',
      'bob-password-1',
      '--from',
      'bob@example.test',
      '--to',
      'alice@example.test',
      '--header',
      'Subject: swaks-587',
      '--header',
      'From: bob@example.test',
      '--helo',
      'swaks.example.net',
    ]);
    assert.equal(r.code, 0, r.out);
    assert.ok((await subjects('alice@example.test')).includes('swaks-587'));
  });

  it('submission: a wrong password is 535 5.7.8', async () => {
    const r = await swaksRun([
      '--server',
      `127.0.0.1:${td.port('submission')}`,
      '--tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'bob@example.test',
      '--auth-password',
      'nope-nope',
      '--from',
      'bob@example.test',
      '--to',
      'alice@example.test',
      '--helo',
      'swaks.example.net',
    ]);
    assert.equal(r.code, 28, r.out);
    assert.match(r.out, /535 5\.7\.8/);
  });

  it('submissions: implicit TLS + AUTH PLAIN', async () => {
    const r = await swaksRun([
      '--server',
      `127.0.0.1:${td.port('submissions')}`,
      '--tlsc',
      '--auth',
      'PLAIN',
      '--auth-user',
      'alice@example.test',
      '--auth-password',
      'alice-password-1',
      '--from',
      'alice@example.test',
      '--to',
      'bob@example.test',
      '--header',
      'Subject: swaks-465',
      '--header',
      'From: alice@example.test',
      '--helo',
      'swaks.example.net',
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /TLSv1\.[23]/);
    assert.ok((await subjects('bob@example.test')).includes('swaks-465'));
  });
});

describe('python smtplib', () => {
  it('STARTTLS with certificate verification, AUTH, send_message', async () => {
    const script = join(td.dir, 'send.py');
    writeFileSync(
      script,
      `import smtplib, ssl, sys
from email.message import EmailMessage
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = EmailMessage()
m["From"] = "alice@example.test"
m["To"] = "bob@example.test"
m["Subject"] = "python-smtplib"
m.set_content("Grüße aus Python\\n")
with smtplib.SMTP("localhost", int(sys.argv[1]), local_hostname="py.example.net") as s:
    s.starttls(context=ctx)
    s.login("alice@example.test", "alice-password-1")
    refused = s.send_message(m)
    print("refused", refused)
    try:
        s.sendmail("alice@example.test", ["nobody@example.test"], "Subject: x\\r\\n\\r\\nx\\r\\n")
    except smtplib.SMTPRecipientsRefused as e:
        print("recipients-refused", list(e.recipients.values())[0][0])
`,
    );
    const r = await run(python, [script, String(td.port('submission')), td.certs.caCert], {
      timeout: 30_000,
    });
    assert.match(r.stdout, /refused \{\}/);
    assert.match(r.stdout, /recipients-refused 550/);
    assert.ok((await subjects('bob@example.test')).includes('python-smtplib'));
  });
});
