/**
 * The POP3 server in the real daemon, driven with raw protocol lines over plain TCP, STLS
 * and implicit TLS. Asserts the replies and the Store afterwards.
 */
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

class RawPop3 {
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(private sock: Socket | TLSSocket) {
    this.attach(sock);
  }
  private attach(sock: Socket | TLSSocket): void {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  static async open(port: number, opts: { tls?: boolean; ca?: string } = {}): Promise<RawPop3> {
    const sock = opts.tls
      ? tlsConnect({ host: '127.0.0.1', port, ca: opts.ca, servername: 'localhost' })
      : netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((res, rej) => {
      sock.once(opts.tls ? 'secureConnect' : 'connect', () => res());
      sock.once('error', rej);
    });
    const c = new RawPop3(sock);
    assert.match(await c.line(), /^\+OK/);
    return c;
  }
  private async until(pred: () => number): Promise<string> {
    for (;;) {
      const n = pred();
      if (n >= 0) {
        const out = this.buf.slice(0, n);
        this.buf = this.buf.slice(n);
        return out;
      }
      if (this.closed) throw new Error(`connection closed; pending: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  async line(): Promise<string> {
    const l = await this.until(() => {
      const i = this.buf.indexOf('\r\n');
      return i < 0 ? -1 : i + 2;
    });
    return l.slice(0, -2);
  }
  /** A multi-line response: the status line and the un-stuffed data lines. */
  async multi(): Promise<{ status: string; lines: string[] }> {
    const status = await this.line();
    if (!status.startsWith('+OK')) return { status, lines: [] };
    const block = await this.until(() => {
      if (this.buf.startsWith('.\r\n')) return 3;
      const i = this.buf.indexOf('\r\n.\r\n');
      return i < 0 ? -1 : i + 5;
    });
    const lines = block === '.\r\n' ? [] : block.slice(0, -5).split('\r\n');
    return { status, lines: lines.map((l) => (l.startsWith('.') ? l.slice(1) : l)) };
  }
  async multiCmd(text: string): Promise<{ status: string; lines: string[] }> {
    this.send(text);
    return this.multi();
  }
  send(text: string): void {
    this.sock.write(`${text}\r\n`);
  }
  async cmd(text: string): Promise<string> {
    this.send(text);
    return this.line();
  }
  async stls(ca: string): Promise<void> {
    assert.match(await this.cmd('STLS'), /^\+OK/);
    const raw = this.sock;
    raw.removeAllListeners('data');
    const sec = tlsConnect({ socket: raw, ca, servername: 'localhost' });
    await new Promise<void>((res, rej) => {
      sec.once('secureConnect', () => res());
      sec.once('error', rej);
    });
    this.sock = sec;
    this.attach(sec);
  }
  async closedByServer(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }
  end(): void {
    this.sock.destroy();
  }
}

let td: TestDaemon;
const alice = { address: 'alice@example.test', password: 'alice-password-1' };
const INBOX = { user: alice.address, folder: 'INBOX' };
const MSGS = [
  'From: x@y.test\r\nSubject: one\r\n\r\nfirst line\r\n.dot line\r\nlast\r\n',
  'From: x@y.test\r\nSubject: two\r\n\r\nbody two\r\n',
  'Subject: three\n\nbare LF body\n',
];
const CRLF = (s: string) => s.replace(/\r?\n/g, '\r\n');

async function login(c: RawPop3): Promise<void> {
  assert.match(await c.cmd(`USER ${alice.address}`), /^\+OK/);
  assert.match(await c.cmd(`PASS ${alice.password}`), /^\+OK/);
}

before(async () => {
  td = await startTestDaemon({ only: ['pop3'] });
  await td.daemon.ctx.store.ensureUser(alice.address);
  for (const m of MSGS)
    await td.daemon.ctx.store.deliver([INBOX], Readable.from([Buffer.from(m)]), { source: 'local' });
});
after(async () => td?.stop());

describe('POP3', () => {
  test('before TLS: CAPA offers STLS but no USER/SASL; USER is refused', async () => {
    const c = await RawPop3.open(td.port('pop3'));
    const capa = await c.multiCmd('CAPA');
    assert.ok(capa.lines.includes('STLS'));
    assert.ok(!capa.lines.includes('USER'));
    assert.match(await c.cmd('USER alice@example.test'), /^-ERR \[AUTH\]/);
    assert.match(await c.cmd('AUTH PLAIN AGFsaWNlAHg='), /^-ERR \[AUTH\]/);
    assert.match(await c.cmd('QUIT'), /^\+OK/);
  });

  test('STLS, then USER/PASS, STAT, LIST, UIDL, RETR (dot-stuffed), TOP', async () => {
    const c = await RawPop3.open(td.port('pop3'));
    await c.stls(td.certs.caPem);
    const capa = await c.multiCmd('CAPA');
    assert.ok(
      capa.lines.includes('USER') && capa.lines.includes('SASL PLAIN LOGIN') && !capa.lines.includes('STLS'),
    );
    await login(c);
    const sizes = MSGS.map((m) => Buffer.byteLength(CRLF(m)));
    assert.equal(await c.cmd('STAT'), `+OK 3 ${sizes.reduce((a, b) => a + b)}`);
    const list = await c.multiCmd('LIST');
    assert.deepEqual(
      list.lines,
      sizes.map((s, i) => `${i + 1} ${s}`),
    );
    assert.equal(await c.cmd('LIST 2'), `+OK 2 ${sizes[1]}`);
    assert.match(await c.cmd('LIST 9'), /^-ERR/);
    const uidl = await c.multiCmd('UIDL');
    const view = await td.daemon.ctx.store.open(INBOX);
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    assert.deepEqual(
      uidl.lines,
      [1, 2, 3].map((u) => `${u} ${hex(u)}${hex(view.uidValidity)}`),
    );
    const r1 = await c.multiCmd('RETR 1');
    assert.equal(`${r1.lines.join('\r\n')}\r\n`, MSGS[0]);
    const r3 = await c.multiCmd('RETR 3');
    assert.equal(`${r3.lines.join('\r\n')}\r\n`, CRLF(MSGS[2]));
    const top = await c.multiCmd('TOP 1 1');
    assert.deepEqual(top.lines, ['From: x@y.test', 'Subject: one', '', 'first line']);
    const top0 = await c.multiCmd('TOP 2 0');
    assert.deepEqual(top0.lines, ['From: x@y.test', 'Subject: two', '']);
    assert.match(await c.cmd('QUIT'), /^\+OK/);
    await c.closedByServer();
  });

  test('DELE takes effect only at QUIT; RSET undoes; a dropped connection deletes nothing', async () => {
    await td.daemon.ctx.store.deliver([INBOX], Readable.from([Buffer.from('Subject: doomed\r\n\r\nx\r\n')]), {
      source: 'local',
    });
    const c = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
    await login(c);
    assert.match(await c.cmd('DELE 4'), /^\+OK/);
    assert.match(await c.cmd('DELE 4'), /^-ERR/);
    assert.match(await c.cmd('RETR 4'), /^-ERR/);
    assert.match(await c.cmd('STAT'), /^\+OK 3 /);
    assert.match(await c.cmd('RSET'), /^\+OK/);
    assert.match(await c.cmd('STAT'), /^\+OK 4 /);
    assert.match(await c.cmd('DELE 4'), /^\+OK/);
    c.end(); // no QUIT
    const c2 = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
    // The server may still be releasing the first session's lock: retry briefly on IN-USE.
    for (;;) {
      assert.match(await c2.cmd(`USER ${alice.address}`), /^\+OK/);
      const r = await c2.cmd(`PASS ${alice.password}`);
      if (r.startsWith('+OK')) break;
      assert.match(r, /IN-USE/);
      await new Promise((res) => setImmediate(res));
    }
    assert.match(await c2.cmd('STAT'), /^\+OK 4 /);
    assert.match(await c2.cmd('DELE 4'), /^\+OK/);
    assert.match(await c2.cmd('QUIT'), /^\+OK.*1 message deleted/);
    const view = await td.daemon.ctx.store.open(INBOX);
    assert.deepEqual(
      view.messages().map((m) => m.uid),
      [1, 2, 3],
    );
  });

  test('maildrop lock: a second session gets -ERR [IN-USE]', async () => {
    const a = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
    await login(a);
    const b = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
    assert.match(await b.cmd(`USER ${alice.address}`), /^\+OK/);
    assert.match(await b.cmd(`PASS ${alice.password}`), /^-ERR \[IN-USE\]/);
    assert.match(await a.cmd('QUIT'), /^\+OK/);
    await a.closedByServer();
    await login(b);
    assert.match(await b.cmd('QUIT'), /^\+OK/);
  });

  test('AUTH PLAIN (initial response and continuation), failures counted and evented', async () => {
    const failures: unknown[] = [];
    const onFail = (e: unknown) => failures.push(e);
    td.daemon.ctx.events.on('auth-failure', onFail);
    try {
      const c = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
      const bad = Buffer.from(`\0${alice.address}\0wrong`).toString('base64');
      assert.match(await c.cmd(`AUTH PLAIN ${bad}`), /^-ERR \[AUTH\]/);
      assert.equal(failures.length, 1);
      assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
      const good = Buffer.from(`\0${alice.address}\0${alice.password}`).toString('base64');
      assert.match(await c.cmd(good), /^\+OK/);
      assert.match(await c.cmd('QUIT'), /^\+OK/);
      const d = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
      for (let i = 0; i < 3; i++) {
        assert.match(await d.cmd('USER nobody@example.test'), /^\+OK/);
        assert.match(await d.cmd('PASS nope'), /^-ERR \[AUTH\]/);
      }
      await d.closedByServer();
      assert.equal(failures.length, 4);
    } finally {
      td.daemon.ctx.events.off('auth-failure', onFail);
    }
  });

  test('AUTH LOGIN and AUTH with no mechanism', async () => {
    const c = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
    const mechs = await c.multiCmd('AUTH');
    assert.deepEqual(mechs.lines, ['PLAIN', 'LOGIN']);
    assert.equal(await c.cmd('AUTH LOGIN'), `+ ${Buffer.from('Username:').toString('base64')}`);
    assert.equal(
      await c.cmd(Buffer.from(alice.address).toString('base64')),
      `+ ${Buffer.from('Password:').toString('base64')}`,
    );
    assert.match(await c.cmd(Buffer.from(alice.password).toString('base64')), /^\+OK/);
    assert.match(await c.cmd('QUIT'), /^\+OK/);
    const d = await RawPop3.open(td.port('pop3s'), { tls: true, ca: td.certs.caPem });
    assert.match(await d.cmd('AUTH CRAM-MD5'), /^-ERR/);
    assert.equal(await d.cmd('AUTH PLAIN'), '+ ');
    assert.match(await d.cmd('*'), /^-ERR AUTH cancelled/);
    assert.match(await d.cmd('APOP alice 0123456789abcdef'), /^-ERR/);
    assert.match(await d.cmd('QUIT'), /^\+OK/);
  });

  test('hostile input: long lines, NUL, unknown commands, wrong state', async () => {
    const c = await RawPop3.open(td.port('pop3'));
    assert.match(await c.cmd('STAT'), /^-ERR/);
    assert.match(await c.cmd('XYZZY'), /^-ERR/);
    assert.match(await c.cmd('NOOP\0x'), /^-ERR/);
    c.send('A'.repeat(20_000));
    assert.match(await c.line(), /^-ERR line too long/);
    await c.closedByServer();
  });

  test('[pop3] allow_plaintext_login lets USER/PASS work without TLS', async () => {
    const cfg = td.daemon.ctx.config.pop3;
    cfg.allow_plaintext_login = true;
    try {
      const c = await RawPop3.open(td.port('pop3'));
      const capa = await c.multiCmd('CAPA');
      assert.ok(capa.lines.includes('USER') && capa.lines.includes('STLS'));
      await login(c);
      assert.match(await c.cmd('STAT'), /^\+OK \d+ \d+$/);
      assert.match(await c.cmd('QUIT'), /^\+OK/);
    } finally {
      cfg.allow_plaintext_login = false;
    }
  });

  test('an idle client is logged out after [pop3] idle_timeout', async () => {
    const cfg = td.daemon.ctx.config.pop3;
    const old = cfg.idle_timeout;
    cfg.idle_timeout = 150;
    try {
      const c = await RawPop3.open(td.port('pop3'));
      assert.match(await c.line(), /^-ERR autologout/);
      await c.closedByServer();
    } finally {
      cfg.idle_timeout = old;
    }
  });

  test('per-IP connection limit', async () => {
    const cfg = td.daemon.ctx.config.pop3;
    const old = cfg.max_connections_per_ip;
    cfg.max_connections_per_ip = 2;
    try {
      const a = await RawPop3.open(td.port('pop3'));
      const b = await RawPop3.open(td.port('pop3'));
      const sock = netConnect({ host: '127.0.0.1', port: td.port('pop3') });
      const text = await new Promise<string>((res) => {
        let t = '';
        sock.on('data', (d) => {
          t += d;
        });
        sock.on('close', () => res(t));
      });
      assert.match(text, /^-ERR \[SYS\/TEMP\] too many connections/);
      a.end();
      b.end();
    } finally {
      cfg.max_connections_per_ip = old;
    }
  });
});
