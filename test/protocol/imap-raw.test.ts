/** Raw IMAP scripts against the real daemon: states, TLS, commands, updates, bad input. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { defaultUsers, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawImap, tagged } from '../helpers/imap-raw.js';

let d: TestDaemon;
const ALICE = 'alice@example.test';
const PASS = 'alice-password-1';

async function loggedIn(user = ALICE, pass = PASS): Promise<RawImap> {
  const { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
  const r = await c.cmd('l', `LOGIN ${user} ${pass}`);
  assert.match(tagged(r), /^OK/);
  return c;
}

function msg(subject: string, body = 'hello world', extra = ''): string {
  return `From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <${subject.replace(/\W/g, '')}@x>\r\n${extra}\r\n${body}\r\n`;
}

async function append(c: RawImap, folder: string, m: string, flags = ''): Promise<string[]> {
  return c.cmd('ap', `APPEND ${folder} ${flags}{${Buffer.byteLength(m)}+}\r\n${m}`);
}

before(async () => {
  d = await startTestDaemon({
    only: ['imap'],
    users: [...defaultUsers, { address: 'carol@example.test', password: 'carol-password-1', quota: 4000 }],
  });
});
after(async () => {
  await d.stop();
});

describe('imap states and TLS', () => {
  it('refuses LOGIN before STARTTLS and accepts it after', async () => {
    const { c, greeting } = await RawImap.open(d.port('imap'));
    assert.match(greeting, /^\* OK \[CAPABILITY IMAP4rev1 .*STARTTLS LOGINDISABLED\]/);
    assert.match(tagged(await c.cmd('a', `LOGIN ${ALICE} ${PASS}`)), /^NO \[PRIVACYREQUIRED\]/);
    assert.match(tagged(await c.cmd('a2', 'AUTHENTICATE PLAIN')), /^NO \[PRIVACYREQUIRED\]/);
    assert.match(tagged(await c.cmd('b', 'SELECT INBOX')), /^BAD .*log in first/);
    assert.equal(tagged(await c.cmd('c', 'STARTTLS')), 'OK begin TLS negotiation now');
    await c.starttls(d.certs.caPem);
    const caps = await c.cmd('d', 'CAPABILITY');
    assert.match(caps[0], /AUTH=PLAIN AUTH=LOGIN/);
    assert.doesNotMatch(caps[0], /STARTTLS|LOGINDISABLED/);
    assert.match(tagged(await c.cmd('e', `LOGIN ${ALICE} ${PASS}`)), /^OK \[CAPABILITY/);
    assert.match(tagged(await c.cmd('f', 'STARTTLS')), /^BAD/);
    const bye = await c.cmd('g', 'LOGOUT');
    assert.equal(bye[0], '* BYE logging out');
    await c.close();
  });

  it('AUTHENTICATE PLAIN with SASL-IR, PLAIN with continuation, LOGIN; failures counted', async () => {
    const failures: unknown[] = [];
    const listener = (e: unknown) => failures.push(e);
    d.daemon.ctx.events.on('auth-failure', listener);
    const plain = Buffer.from(`\0${ALICE}\0${PASS}`).toString('base64');
    let { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
    assert.match(tagged(await c.cmd('a', `AUTHENTICATE PLAIN ${plain}`)), /^OK/);
    await c.close();
    ({ c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem }));
    c.write('a AUTHENTICATE PLAIN\r\n');
    assert.equal(await c.line(), '+ ');
    c.write(`${plain}\r\n`);
    assert.match(tagged(await c.until('a')), /^OK/);
    await c.close();
    ({ c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem }));
    c.write('a AUTHENTICATE LOGIN\r\n');
    assert.equal(await c.line(), `+ ${Buffer.from('Username:').toString('base64')}`);
    c.write(`${Buffer.from(ALICE).toString('base64')}\r\n`);
    await c.line();
    c.write(`${Buffer.from('wrong').toString('base64')}\r\n`);
    assert.match(tagged(await c.until('a')), /^NO \[AUTHENTICATIONFAILED\]/);
    assert.match(tagged(await c.cmd('b', 'AUTHENTICATE PLAIN !!!')), /^BAD/);
    c.write('c AUTHENTICATE PLAIN\r\n');
    await c.line();
    c.write('*\r\n');
    assert.match(tagged(await c.until('c')), /^BAD authentication cancelled/);
    assert.match(tagged(await c.cmd('d', 'LOGIN nobody@example.test x')), /^NO \[AUTHENTICATIONFAILED\]/);
    await c.close();
    d.daemon.ctx.events.off('auth-failure', listener);
    assert.equal(failures.length, 2);
  });

  it('hangs up after three failed logins', async () => {
    const { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
    for (const t of ['a', 'b']) assert.match(tagged(await c.cmd(t, `LOGIN ${ALICE} nope`)), /^NO/);
    const r = await c.cmd('c', `LOGIN ${ALICE} nope`);
    assert.ok(r.includes('* BYE too many failed logins'));
    await new Promise<void>((res) => (c.closed ? res() : c.sock.once('close', () => res())));
  });
});

describe('imap mailbox commands', () => {
  it('creates special-use folders at first login and lists them', async () => {
    const c = await loggedIn();
    const r = await c.cmd('a', 'LIST "" "*"');
    for (const [name, use] of [
      ['Sent', '\\Sent'],
      ['Drafts', '\\Drafts'],
      ['Trash', '\\Trash'],
      ['Junk', '\\Junk'],
      ['Archive', '\\Archive'],
    ]) {
      assert.ok(
        r.some((l) => l.includes(use) && l.endsWith(`"${name}"`)),
        `${name} in ${r.join('\n')}`,
      );
    }
    assert.ok(r.some((l) => /^\* LIST \(.*\) "\." INBOX$/.test(l)));
    const sp = await c.cmd('b', 'LIST (SPECIAL-USE) "" "*"');
    assert.equal(sp.length, 6);
    assert.deepEqual(await c.cmd('c', 'LIST "" ""'), ['* LIST (\\Noselect) "." ""', 'c OK LIST completed']);
    assert.deepEqual(await c.cmd('ns', 'NAMESPACE'), [
      '* NAMESPACE (("" ".")) NIL NIL',
      'ns OK NAMESPACE completed',
    ]);
    await c.close();
  });

  it('CREATE, hierarchy, RENAME, DELETE, SUBSCRIBE, LSUB, STATUS; Japanese names round-trip', async () => {
    const c = await loggedIn();
    assert.match(tagged(await c.cmd('a', 'CREATE Projects.2024')), /^OK/);
    assert.match(tagged(await c.cmd('a2', 'CREATE Projects.2024')), /^NO \[ALREADYEXISTS\]/);
    const jp = '&U,BTFw-'; // 受信 in modified UTF-7
    assert.match(tagged(await c.cmd('b', `CREATE "${jp}.&kc2JgQ-"`)), /^OK/);
    let r = await c.cmd('c', 'LIST "" "Projects*"');
    assert.ok(
      r.some((l) => l.includes('\\HasChildren') && l.endsWith('"Projects"')),
      r.join('\n'),
    );
    assert.ok(r.some((l) => l.includes('\\HasNoChildren') && l.endsWith('"Projects.2024"')));
    r = await c.cmd('c2', 'LIST "" "%"');
    assert.ok(!r.some((l) => l.endsWith('"Projects.2024"')));
    r = await c.cmd('d', `LIST "" "${jp}*"`);
    assert.ok(
      r.some((l) => l.endsWith(`"${jp}.&kc2JgQ-"`)),
      r.join('\n'),
    );
    assert.match(tagged(await c.cmd('e', 'RENAME Projects.2024 Projects.2025')), /^OK/);
    assert.match(tagged(await c.cmd('f', 'SUBSCRIBE Projects.2025')), /^OK/);
    r = await c.cmd('g', 'LSUB "" "Projects.*"');
    assert.deepEqual(r.slice(0, -1), ['* LSUB (\\HasNoChildren) "." "Projects.2025"']);
    assert.match(tagged(await c.cmd('h', 'UNSUBSCRIBE Projects.2025')), /^OK/);
    assert.equal((await c.cmd('i', 'LSUB "" "Projects.*"')).length, 1);
    r = await c.cmd('j', 'STATUS Projects.2025 (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT HIGHESTMODSEQ)');
    assert.match(
      r[0],
      /^\* STATUS "Projects\.2025" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 RECENT 0 HIGHESTMODSEQ \d+\)$/,
    );
    assert.match(tagged(await c.cmd('k', 'DELETE Projects.2025')), /^OK/);
    assert.match(tagged(await c.cmd('l', 'STATUS Projects.2025 (MESSAGES)')), /^NO \[NONEXISTENT\]/);
    assert.match(tagged(await c.cmd('m', 'DELETE INBOX')), /^NO/);
    await c.close();
  });

  it('refuses folder names that could escape the mail directory', async () => {
    const c = await loggedIn();
    for (const name of [
      '"a..b"',
      '"../../etc"',
      '"a/b"',
      '"..x"',
      '".x"',
      '{3+}\r\na\x01b',
      '"a\\\\b"',
      '"&Jjo"',
      '"~x"',
    ]) {
      const r = await c.cmd('a', `CREATE ${name}`);
      assert.match(tagged(r), /^(NO|BAD)/, `CREATE ${name}: ${r.join('|')}`);
    }
    const base = join(d.dir, 'data');
    const all = JSON.stringify(readdirSync(base, { recursive: true }));
    assert.ok(!all.includes('etc') && !all.includes('/b"'), all);
    await c.close();
  });

  it('RENAME INBOX moves its messages and leaves INBOX empty', async () => {
    const c = await loggedIn('bob@example.test', 'bob-password-1');
    await append(c, 'INBOX', msg('one'));
    await append(c, 'INBOX', msg('two'));
    assert.match(tagged(await c.cmd('a', 'RENAME INBOX Old')), /^OK/);
    assert.match((await c.cmd('b', 'STATUS INBOX (MESSAGES)'))[0], /MESSAGES 0/);
    assert.match((await c.cmd('c', 'STATUS Old (MESSAGES)'))[0], /MESSAGES 2/);
    await c.close();
  });
});

describe('imap messages', () => {
  it('APPEND with sync literal, flags and date; SELECT; FETCH items', async () => {
    const c = await loggedIn();
    assert.match(tagged(await c.cmd('s0', 'CREATE Work')), /^OK/);
    const m = msg('Hello', 'line1\r\nline2');
    c.write(`a APPEND Work (\\Seen $Important) " 7-Feb-1994 21:52:25 -0800" {${m.length}}\r\n`);
    assert.equal(await c.line(), '+ Ready for literal data');
    c.write(`${m}\r\n`);
    const r = await c.until('a');
    assert.match(tagged(r), /^OK \[APPENDUID \d+ 1\]/);
    const sel = await c.cmd('b', 'SELECT Work');
    assert.ok(sel.includes('* 1 EXISTS'));
    assert.ok(sel.some((l) => /^\* FLAGS \(.*\$Important/.test(l)));
    assert.ok(sel.some((l) => /^\* OK \[UIDVALIDITY \d+\]/.test(l)));
    assert.ok(sel.some((l) => l === '* OK [UIDNEXT 2] predicted next UID'));
    assert.match(tagged(sel), /^OK \[READ-WRITE\]/);
    const f = await c.cmd('c', 'FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)');
    assert.equal(
      f[0],
      `* 1 FETCH (UID 1 FLAGS (\\Seen $Important) INTERNALDATE "08-Feb-1994 05:52:25 +0000" RFC822.SIZE ${m.length} ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "Hello" (("Alice" NIL "alice" "example.test")) (("Alice" NIL "alice" "example.test")) (("Alice" NIL "alice" "example.test")) ((NIL NIL "bob" "example.test")) NIL NIL NIL "<Hello@x>"))`,
    );
    const body = await c.cmd(
      'd',
      'FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT] BODY.PEEK[]<0.4> BODYSTRUCTURE)',
    );
    assert.equal(
      body[0],
      '* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: Hello\r\n\r\n BODY[TEXT] {14}\r\nline1\r\nline2\r\n BODY[]<0> {4}\r\nFrom BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 14 2 NIL NIL NIL NIL))',
    );
    await c.close();
  });

  it('STORE, SEARCH, COPY with COPYUID, MOVE, EXPUNGE and UID variants', async () => {
    const c = await loggedIn();
    await c.cmd('a', 'CREATE Box');
    await c.cmd('a2', 'CREATE Box2');
    for (const s of ['alpha', 'beta', 'gamma', 'delta']) await append(c, 'Box', msg(s, `body of ${s}`));
    await c.cmd('b', 'SELECT Box');
    assert.deepEqual(await c.cmd('c', 'STORE 1:2 +FLAGS (\\Flagged)'), [
      '* 1 FETCH (FLAGS (\\Flagged \\Recent))',
      '* 2 FETCH (FLAGS (\\Flagged \\Recent))',
      'c OK STORE completed',
    ]);
    assert.deepEqual(await c.cmd('c2', 'UID STORE 2 -FLAGS.SILENT (\\Flagged)'), ['c2 OK STORE completed']);
    assert.deepEqual((await c.cmd('d', 'SEARCH FLAGGED'))[0], '* SEARCH 1');
    assert.deepEqual((await c.cmd('d2', 'SEARCH OR SUBJECT gamma BODY "of delta"'))[0], '* SEARCH 3 4');
    assert.deepEqual((await c.cmd('d3', 'UID SEARCH NOT FLAGGED'))[0], '* SEARCH 2 3 4');
    assert.deepEqual((await c.cmd('d4', 'SEARCH TEXT ALPHA'))[0], '* SEARCH 1');
    assert.deepEqual((await c.cmd('d5', 'SEARCH SENTON 7-Feb-1994 UNSEEN'))[0], '* SEARCH 1 2 3 4');
    assert.match(tagged(await c.cmd('e', 'COPY 1:2 Box2')), /^OK \[COPYUID \d+ 1:2 1:2\]/);
    const mv = await c.cmd('f', 'UID MOVE 3 Box2');
    assert.match(mv[0], /^\* OK \[COPYUID \d+ 3 3\]/);
    assert.equal(mv[1], '* 3 EXPUNGE');
    await c.cmd('g', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    const ex = await c.cmd('h', 'EXPUNGE');
    assert.deepEqual(ex, ['* 1 EXPUNGE', 'h OK EXPUNGE completed']);
    assert.match((await c.cmd('i', 'STATUS Box2 (MESSAGES)'))[0], /MESSAGES 3/);
    assert.match(tagged(await c.cmd('j', 'COPY 1 Nowhere')), /^NO \[TRYCREATE\]/);
    assert.match(tagged(await c.cmd('k', 'FETCH 9 FLAGS')), /^BAD/);
    await c.close();
  });

  it('SEARCH decodes ISO-2022-JP and base64 bodies', async () => {
    const c = await loggedIn();
    await c.cmd('a', 'CREATE Jp');
    const subj = '=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?='; // 日本語
    const body = Buffer.from('\x1b$BF|K\\8l\x1b(B test', 'latin1').toString('base64');
    await append(
      c,
      'Jp',
      msg(
        subj,
        body,
        'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: base64\r\n',
      ),
    );
    await append(c, 'Jp', msg('plain', 'nothing'));
    await c.cmd('b', 'SELECT Jp');
    const utf8 = Buffer.from('日本語');
    c.write(
      Buffer.concat([
        Buffer.from(`c SEARCH CHARSET UTF-8 SUBJECT {${utf8.length}+}\r\n`),
        utf8,
        Buffer.from('\r\n'),
      ]),
    );
    assert.equal((await c.until('c'))[0], '* SEARCH 1');
    c.write(
      Buffer.concat([
        Buffer.from(`d SEARCH CHARSET UTF-8 BODY {${utf8.length}+}\r\n`),
        utf8,
        Buffer.from('\r\n'),
      ]),
    );
    assert.equal((await c.until('d'))[0], '* SEARCH 1');
    const jis = Buffer.from('\x1b$BF|K\\\x1b(B', 'latin1'); // 日本
    c.write(
      Buffer.concat([
        Buffer.from(`e SEARCH CHARSET ISO-2022-JP TEXT {${jis.length}+}\r\n`),
        jis,
        Buffer.from('\r\n'),
      ]),
    );
    assert.equal((await c.until('e'))[0], '* SEARCH 1');
    assert.match(tagged(await c.cmd('f', 'SEARCH CHARSET KOI8-R TEXT x')), /^NO \[BADCHARSET/);
    await c.close();
  });

  it('tells other sessions about new, changed and expunged messages, never EXPUNGE during FETCH', async () => {
    const a = await loggedIn();
    const b = await loggedIn();
    await a.cmd('x', 'CREATE Shared');
    await append(a, 'Shared', msg('s1'));
    await append(a, 'Shared', msg('s2'));
    await a.cmd('a', 'SELECT Shared');
    await b.cmd('b', 'SELECT Shared');
    await append(a, 'Shared', msg('s3'));
    let r = await b.cmd('n', 'NOOP');
    assert.ok(r.includes('* 3 EXISTS'), r.join('\n'));
    await a.cmd('c', 'STORE 1 +FLAGS (\\Deleted)');
    await a.cmd('d', 'EXPUNGE');
    r = await b.cmd('f', 'FETCH 1:* (FLAGS)');
    assert.ok(!r.some((l) => l.includes('EXPUNGE')), r.join('\n'));
    assert.equal(r.filter((l) => l.includes('FETCH (FLAGS')).length, 2, r.join('\n'));
    r = await b.cmd('g', 'NOOP');
    assert.ok(r.includes('* 1 EXPUNGE'), r.join('\n'));
    await a.cmd('h', 'STORE 1 +FLAGS (\\Answered)');
    r = await b.cmd('i', 'NOOP');
    assert.ok(
      r.some((l) => /^\* 1 FETCH \(FLAGS \(\\Answered/.test(l)),
      r.join('\n'),
    );
    await a.close();
    await b.close();
  });

  it('IDLE announces a delivery within a second', async () => {
    const c = await loggedIn();
    await c.cmd('a', 'SELECT INBOX');
    c.write('b IDLE\r\n');
    assert.equal(await c.line(), '+ idling');
    const t0 = Date.now();
    await d.daemon.ctx.store.deliver(
      [{ user: ALICE, folder: 'INBOX' }],
      Readable.from([Buffer.from(msg('idle'))]),
      {
        source: 'smtp',
      },
    );
    const l = await c.line();
    assert.match(l, /^\* \d+ EXISTS$/);
    assert.ok(Date.now() - t0 < 1000);
    c.write('DONE\r\n');
    assert.match(tagged(await c.until('b')), /^OK IDLE terminated/);
    await c.close();
  });

  it('EXAMINE is read-only; CLOSE expunges; UNSELECT does not', async () => {
    const c = await loggedIn();
    await c.cmd('a', 'CREATE Ro');
    await append(c, 'Ro', msg('r1'), '(\\Deleted) ');
    assert.match(tagged(await c.cmd('b', 'EXAMINE Ro')), /^OK \[READ-ONLY\]/);
    assert.match(tagged(await c.cmd('c', 'STORE 1 +FLAGS (\\Seen)')), /^NO/);
    await c.cmd('c2', 'FETCH 1 BODY[]');
    assert.doesNotMatch((await c.cmd('c3', 'FETCH 1 FLAGS'))[0], /\\Seen/);
    await c.cmd('d', 'UNSELECT');
    assert.match((await c.cmd('e', 'STATUS Ro (MESSAGES)'))[0], /MESSAGES 1/);
    await c.cmd('f', 'SELECT Ro');
    await c.cmd('g', 'CLOSE');
    assert.match((await c.cmd('h', 'STATUS Ro (MESSAGES)'))[0], /MESSAGES 0/);
    assert.match(tagged(await c.cmd('i', 'FETCH 1 FLAGS')), /^BAD/);
    await c.close();
  });

  it('CONDSTORE: MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE; QUOTA; ENABLE; ID', async () => {
    const c = await loggedIn();
    assert.deepEqual(await c.cmd('e', 'ENABLE CONDSTORE'), ['* ENABLED CONDSTORE', 'e OK ENABLE completed']);
    await c.cmd('a', 'CREATE Cs');
    await append(c, 'Cs', msg('c1'));
    await append(c, 'Cs', msg('c2'));
    const sel = await c.cmd('b', 'SELECT Cs (CONDSTORE)');
    const hm = Number(/HIGHESTMODSEQ (\d+)/.exec(sel.join('\n'))?.[1]);
    assert.ok(hm > 0);
    const st = await c.cmd('c', 'STORE 1 +FLAGS (\\Seen)');
    const ms = Number(/MODSEQ \((\d+)\)/.exec(st[0])?.[1]);
    assert.ok(ms > hm - 1, st.join('\n'));
    const f = await c.cmd('d', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${ms - 1})`);
    assert.equal(f.length, 2, f.join('\n'));
    const u = await c.cmd('f', `STORE 1,2 (UNCHANGEDSINCE ${ms - 1}) +FLAGS (\\Flagged)`);
    assert.match(tagged(u), /^OK \[MODIFIED 1\]/);
    assert.match(
      (await c.cmd('g', `SEARCH MODSEQ ${ms}`))[0],
      /^\* SEARCH 1 2 \(MODSEQ \d+\)$|^\* SEARCH 1 \(MODSEQ \d+\)$/,
    );
    const q = await c.cmd('q', 'GETQUOTAROOT INBOX');
    assert.match(tagged(q), /^OK/);
    assert.match((await c.cmd('i', 'ID ("name" "test")'))[0], /^\* ID \("name" "mailctl"/);
    await c.close();
  });
});

describe('imap bad input', () => {
  it('answers BAD with the tag and keeps serving', async () => {
    const c = await loggedIn();
    assert.match(tagged(await c.cmd('a', 'FROB')), /^BAD unknown command/);
    assert.match(tagged(await c.cmd('b', 'FETCH 1 FLAGS')), /^BAD .*select a mailbox first/);
    assert.match(tagged(await c.cmd('c', 'LOGIN x y')), /^BAD/);
    assert.match(tagged(await c.cmd('d', 'SELECT "unterminated')), /^BAD/);
    c.write('+weird\r\n');
    assert.match(await c.line(), /^\* BAD/);
    assert.match(tagged(await c.cmd('e', 'SELECT INBOX')), /^OK/);
    assert.match(tagged(await c.cmd('f', 'FETCH 1:* (BODY[HEADER.FIELDS])')), /^BAD/);
    assert.match(
      tagged(
        await c.cmd(
          'g',
          'SEARCH ((((((((((((((((((((((((((((((((((((ALL))))))))))))))))))))))))))))))))))))',
        ),
      ),
      /^BAD/,
    );
    assert.match(tagged(await c.cmd('h', 'NOOP')), /^OK/);
    await c.close();
  });

  it('refuses an oversized literal without reading it, and overlong lines', async () => {
    const cfg = d.daemon.ctx.config.imap;
    const saved = { lit: cfg.max_literal, line: cfg.max_line };
    const c = await loggedIn();
    cfg.max_literal = 1000;
    cfg.max_line = 2000;
    try {
      // The framer picks up the new limits at the next login; use a fresh session.
      const c2 = await loggedIn();
      c2.write('a APPEND INBOX {5000}\r\n');
      const l = await c2.line();
      assert.match(l, /^a NO \[TOOBIG\]/);
      assert.match(tagged(await c2.cmd('b', 'NOOP')), /^OK/);
      c2.write(`c ${'X'.repeat(3000)}\r\n`);
      assert.match(await c2.line(), /^c BAD command line too long/);
      assert.match(tagged(await c2.cmd('d', 'NOOP')), /^OK/);
      c2.write('e APPEND INBOX {5000+}\r\n');
      assert.match(await c2.line(), /^\* BYE/);
      await c2.close();
    } finally {
      cfg.max_literal = saved.lit;
      cfg.max_line = saved.line;
      await c.close();
    }
  });

  it('a client that disconnects mid-APPEND leaves no message', async () => {
    const c = await loggedIn();
    await c.cmd('a', 'CREATE Half');
    c.write('b APPEND Half {10000+}\r\nFrom: x\r\n\r\npartial');
    await c.close();
    const c2 = await loggedIn();
    assert.match((await c2.cmd('s', 'STATUS Half (MESSAGES)'))[0], /MESSAGES 0/);
    const tmp = join(d.dir, 'data');
    const files = readdirSync(tmp, { recursive: true })
      .map(String)
      .filter((f) => f.includes('/tmp/') && f.includes('Half'));
    assert.deepEqual(files, []);
    await c2.close();
  });

  it('enforces per-user and per-IP connection limits', async () => {
    const cfg = d.daemon.ctx.config.imap;
    const saved = { user: cfg.max_connections_per_user, ip: cfg.max_connections_per_ip };
    cfg.max_connections_per_user = 2;
    const open: RawImap[] = [];
    try {
      open.push(await loggedIn(), await loggedIn());
      const { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
      open.push(c);
      assert.match(tagged(await c.cmd('l', `LOGIN ${ALICE} ${PASS}`)), /^NO \[LIMIT\]/);
      cfg.max_connections_per_ip = open.length;
      const extra = await RawImap.open(d.port('imap'));
      assert.match(extra.greeting, /^\* BYE too many connections/);
      await extra.c.close();
    } finally {
      cfg.max_connections_per_user = saved.user;
      cfg.max_connections_per_ip = saved.ip;
      for (const c of open) await c.close();
    }
  });

  it('enforces the quota on APPEND and reports it in GETQUOTAROOT', async () => {
    const c = await loggedIn('carol@example.test', 'carol-password-1');
    assert.match(tagged(await append(c, 'INBOX', msg('small'))), /^OK/);
    const r = await c.cmd('q', 'GETQUOTAROOT INBOX');
    assert.deepEqual(r.slice(0, 2), ['* QUOTAROOT INBOX ""', '* QUOTA "" (STORAGE 1 3)']);
    assert.match(tagged(await append(c, 'INBOX', msg('big', 'x'.repeat(5000)))), /^NO \[OVERQUOTA\]/);
    assert.match((await c.cmd('s', 'STATUS INBOX (MESSAGES)'))[0], /MESSAGES 1/);
    await c.close();
  });
});
