/**
 * IMAP load generator: simulated users each log in, SELECT INBOX, then until the deadline
 * fetch recent headers, fetch one body, set a flag and IDLE briefly — the mail client's
 * day in a loop. One target only. Optional --seed APPENDs messages first so an empty
 * account has something to read.
 */
import { Recorder } from './stats.js';
import { type Target, type TlsOptions, Wire } from './wire.js';

export interface ImapBenchOptions {
  target: Target;
  users: number;
  durationMs: number;
  accounts: { user: string; pass: string }[];
  tls?: 'implicit' | 'starttls';
  tlsOptions: TlsOptions;
  /** Pause between a user's operations (0 = as fast as possible). */
  thinkMs: number;
  /** How long each IDLE lasts before DONE. */
  idleMs: number;
  seed: number;
  seedSize: number;
  timeoutMs?: number;
  /** Called after seeding, before the simulated users connect (to sample server memory). */
  onBeforeConnect?: () => void;
  /** Called once every user is logged in and selected (to sample server memory). */
  onAllConnected?: () => void;
}

export interface ImapBenchResult {
  seconds: number;
  /** Completed client operations per second (login, select, fetches, store, idle). */
  opsPerSec: number;
  bytesFetched: number;
  loggedIn: number;
  recorder: Recorder;
}

class ImapNo extends Error {}

const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/** One IMAP client connection with tagged commands. */
class Client {
  private tag = 0;
  exists = 0;
  constructor(readonly w: Wire) {}

  /** Sends a command and reads until its tagged reply; returns untagged lines and literal byte count. */
  async cmd(text: string, literal?: Buffer): Promise<{ lines: string[]; bytes: number }> {
    const tag = `b${++this.tag}`;
    if (literal) {
      this.w.write(`${tag} ${text} {${literal.length}}\r\n`);
      const cont = await this.w.line();
      if (!cont.startsWith('+')) throw new ImapNo(`${text.split(' ')[0]}: ${cont}`);
      this.w.write(literal);
      this.w.write('\r\n');
    } else {
      this.w.write(`${tag} ${text}\r\n`);
    }
    return this.until(tag, text.split(' ')[0]);
  }

  async until(tag: string, verb: string): Promise<{ lines: string[]; bytes: number }> {
    const lines: string[] = [];
    let bytes = 0;
    for (;;) {
      let l = await this.w.line();
      // Literals: "{n}" at the end of a line means n raw bytes follow, then the line continues.
      for (let m = /\{(\d+)\}$/.exec(l); m; m = /\{(\d+)\}$/.exec(l)) {
        const n = Number(m[1]);
        await this.w.bytes(n);
        bytes += n;
        l = `${l.slice(0, m.index)}""${await this.w.line()}`;
      }
      if (l.startsWith(`${tag} `)) {
        if (!l.startsWith(`${tag} OK`)) throw new ImapNo(`${verb}: ${l.slice(tag.length + 1)}`);
        return { lines, bytes };
      }
      const ex = /^\* (\d+) EXISTS/.exec(l);
      if (ex) this.exists = Number(ex[1]);
      lines.push(l);
    }
  }
}

async function open(
  o: ImapBenchOptions,
  rec: Recorder,
  account: { user: string; pass: string },
): Promise<Client> {
  const timeout = o.timeoutMs ?? 30_000;
  const w = await rec.time('connect', () =>
    Wire.open(o.target, o.tls === 'implicit' ? o.tlsOptions : undefined, timeout),
  );
  const c = new Client(w);
  const greeting = await w.line();
  if (!greeting.startsWith('* OK')) throw new ImapNo(`greeting: ${greeting}`);
  if (o.tls === 'starttls') {
    await c.cmd('STARTTLS');
    await rec.time('starttls', () => w.startTls(o.tlsOptions, o.target, timeout));
  }
  await rec.time('login', () => c.cmd(`LOGIN ${quote(account.user)} ${quote(account.pass)}`));
  await rec.time('select', () => c.cmd('SELECT INBOX'));
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function day(
  c: Client,
  o: ImapBenchOptions,
  rec: Recorder,
  deadline: number,
  n: number,
  out: { bytes: number },
) {
  let i = n;
  while (performance.now() < deadline) {
    const exists = c.exists;
    if (exists > 0) {
      const from = Math.max(1, exists - 19);
      const h = await rec.time('fetch-headers', () =>
        c.cmd(
          `FETCH ${from}:${exists} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])`,
        ),
      );
      const seq = (i++ % exists) + 1;
      const b = await rec.time('fetch-body', () => c.cmd(`FETCH ${seq} BODY.PEEK[]`));
      out.bytes += h.bytes + b.bytes;
      await rec.time('store', () => c.cmd(`STORE ${seq} ${i % 2 ? '+' : '-'}FLAGS.SILENT (\\Seen)`));
    } else {
      await rec.time('noop', () => c.cmd('NOOP'));
    }
    if (o.idleMs > 0 && performance.now() + o.idleMs < deadline) {
      const tag = 'idle';
      c.w.write(`${tag} IDLE\r\n`);
      // Untagged updates (EXISTS, FETCH) may come before the continuation.
      let cont = await c.w.line();
      while (cont.startsWith('* ')) cont = await c.w.line();
      if (!cont.startsWith('+')) throw new ImapNo(`IDLE: ${cont}`);
      await sleep(o.idleMs);
      await rec.time('idle-done', async () => {
        c.w.write('DONE\r\n');
        await c.until(tag, 'IDLE');
      });
    }
    if (o.thinkMs > 0) await sleep(o.thinkMs);
  }
}

export async function benchImap(o: ImapBenchOptions): Promise<ImapBenchResult> {
  const rec = new Recorder();
  if (o.seed > 0) await seed(o, rec);
  o.onBeforeConnect?.();
  const out = { bytes: 0 };
  const settled = await Promise.allSettled(
    Array.from({ length: o.users }, (_, n) => open(o, rec, o.accounts[n % o.accounts.length])),
  );
  const clients: Client[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') clients.push(s.value);
    else {
      if ((s.reason as { code?: string }).code === 'unreachable') throw s.reason;
      rec.error((s.reason as Error).message, 'session');
    }
  }
  o.onAllConnected?.();
  // The duration is the working phase; logins are bounded by the per-operation timeout and
  // reported on their own (a server's password hashing should not eat the test).
  const start = performance.now();
  const deadline = start + o.durationMs;
  await Promise.all(
    clients.map(async (c, n) => {
      try {
        await day(c, o, rec, deadline, n, out);
        await c.cmd('LOGOUT').catch(() => undefined);
      } catch (e) {
        rec.error((e as Error).message, 'session');
      } finally {
        c.w.close();
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const setup = new Set(['connect', 'starttls', 'login', 'select', 'append']);
  const ops = rec.ops().reduce((s, x) => s + (setup.has(x.op) ? 0 : x.count), 0);
  return {
    seconds,
    opsPerSec: ops / seconds,
    bytesFetched: out.bytes,
    loggedIn: clients.length,
    recorder: rec,
  };
}

/** APPENDs `seed` messages to each distinct account's INBOX (one connection per account). */
async function seed(o: ImapBenchOptions, rec: Recorder): Promise<void> {
  const body = `${'y'.repeat(74)}\r\n`.repeat(Math.max(1, Math.floor((o.seedSize - 200) / 76)));
  const seen = new Set<string>();
  for (const acc of o.accounts.slice(0, o.users)) {
    if (seen.has(acc.user)) continue;
    seen.add(acc.user);
    const c = await open(o, new Recorder(), acc);
    for (let i = 0; i < o.seed; i++) {
      const msg = Buffer.from(
        `From: <bench@mailctl.invalid>\r\nTo: <${acc.user}>\r\nSubject: seed ${i}\r\nMessage-ID: <seed.${i}.${Date.now()}@mailctl.bench>\r\n\r\n${body}`,
        'latin1',
      );
      await rec.time('append', () => c.cmd('APPEND INBOX ()', msg));
    }
    await c.cmd('LOGOUT').catch(() => undefined);
    c.w.close();
  }
}
