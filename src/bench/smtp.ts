/**
 * SMTP load generator: N connections share a budget of M messages of S bytes, bounded by a
 * deadline, against exactly one target (no MX lookup, no other host). Each connection does
 * EHLO [STARTTLS, EHLO] [AUTH PLAIN] then MAIL/RCPT/DATA per message without pipelining,
 * like a real client; latency is MAIL FROM to the final 250.
 */
import { randomBytes } from 'node:crypto';
import { Recorder } from './stats.js';
import { type Target, type TlsOptions, Wire } from './wire.js';

export interface SmtpBenchOptions {
  target: Target;
  connections: number;
  messages: number;
  size: number;
  durationMs: number;
  from: string;
  to: string;
  auth?: { user: string; pass: string };
  tls?: 'implicit' | 'starttls';
  tlsOptions: TlsOptions;
  timeoutMs?: number;
}

export interface SmtpBenchResult {
  sent: number;
  seconds: number;
  perSec: number;
  bytesPerSec: number;
  recorder: Recorder;
  stoppedBy: 'count' | 'time' | 'errors';
}

/** A reply: code and the text of every line. */
async function reply(w: Wire): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  for (;;) {
    const l = await w.line();
    lines.push(l);
    if (l.length < 4 || l[3] !== '-') return { code: Number(l.slice(0, 3)), text: lines.join(' | ') };
  }
}

class ReplyError extends Error {
  constructor(
    readonly step: string,
    readonly code: number,
    text: string,
  ) {
    super(`${step}: ${text}`);
  }
}

async function expect(w: Wire, step: string, ok: (c: number) => boolean): Promise<void> {
  const r = await reply(w);
  if (!ok(r.code)) throw new ReplyError(step, r.code, r.text);
}

const is2 = (c: number) => c >= 200 && c < 300;

/** The message body with CRLF lines, dot-stuffed, ending with the DATA terminator; built once. */
export function messageBody(size: number): Buffer {
  const line = `${'x'.repeat(74)}\r\n`;
  const n = Math.max(1, Math.floor(size / line.length));
  return Buffer.from(`${line.repeat(n)}\r\n.\r\n`, 'latin1');
}

function header(o: SmtpBenchOptions, seq: number, runId: string): Buffer {
  return Buffer.from(
    `From: <${o.from}>\r\nTo: <${o.to}>\r\nSubject: mailctl bench ${seq}\r\nDate: ${new Date().toUTCString()}\r\n` +
      `Message-ID: <${runId}.${seq}@mailctl.bench>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`,
    'latin1',
  );
}

async function session(
  o: SmtpBenchOptions,
  rec: Recorder,
  state: { next: number; deadline: number; runId: string; body: Buffer; sent: number },
) {
  const timeout = o.timeoutMs ?? 30_000;
  const w = await rec.time('connect', () =>
    Wire.open(o.target, o.tls === 'implicit' ? o.tlsOptions : undefined, timeout),
  );
  try {
    await expect(w, 'greeting', (c) => c === 220);
    w.write('EHLO bench.mailctl.invalid\r\n');
    await expect(w, 'EHLO', is2);
    if (o.tls === 'starttls') {
      w.write('STARTTLS\r\n');
      await expect(w, 'STARTTLS', (c) => c === 220);
      await rec.time('starttls', () => w.startTls(o.tlsOptions, o.target, timeout));
      w.write('EHLO bench.mailctl.invalid\r\n');
      await expect(w, 'EHLO', is2);
    }
    if (o.auth) {
      const token = Buffer.from(`\0${o.auth.user}\0${o.auth.pass}`).toString('base64');
      w.write(`AUTH PLAIN ${token}\r\n`);
      await rec.time('auth', () => expect(w, 'AUTH', (c) => c === 235));
    }
    while (state.next < o.messages && performance.now() < state.deadline) {
      const seq = state.next++;
      const t = performance.now();
      try {
        w.write(`MAIL FROM:<${o.from}>\r\n`);
        await expect(w, 'MAIL', is2);
        w.write(`RCPT TO:<${o.to}>\r\n`);
        await expect(w, 'RCPT', is2);
        w.write('DATA\r\n');
        await expect(w, 'DATA', (c) => c === 354);
        w.write(header(o, seq, state.runId));
        w.write(state.body);
        await expect(w, 'end of DATA', is2);
        rec.add('message', performance.now() - t);
        state.sent++;
      } catch (e) {
        if (!(e instanceof ReplyError)) throw e;
        rec.error(`${e.step} ${e.code}`, 'message');
        w.write('RSET\r\n');
        await reply(w);
      }
    }
    w.write('QUIT\r\n');
    await reply(w).catch(() => undefined);
  } finally {
    w.close();
  }
}

export async function benchSmtp(o: SmtpBenchOptions): Promise<SmtpBenchResult> {
  const rec = new Recorder();
  const start = performance.now();
  const state = {
    next: 0,
    deadline: start + o.durationMs,
    runId: randomBytes(6).toString('hex'),
    body: messageBody(Math.max(80, o.size - 250)),
    sent: 0,
  };
  const maxFailures = Math.max(10, o.connections * 2);
  let failures = 0;
  const worker = async () => {
    // A connection that fails is replaced, until too many have failed (the server is down).
    while (state.next < o.messages && performance.now() < state.deadline && failures < maxFailures) {
      try {
        await session(o, rec, state);
        return;
      } catch (e) {
        failures++;
        rec.error(e instanceof ReplyError ? `${e.step} ${e.code}` : (e as Error).message, 'session');
        if (e instanceof Error && 'code' in e && (e as { code: string }).code === 'unreachable') throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.connections, Math.max(1, o.messages)) }, worker));
  const seconds = (performance.now() - start) / 1000;
  const msgBytes = state.body.length + 200;
  return {
    sent: state.sent,
    seconds,
    perSec: state.sent / seconds,
    bytesPerSec: (state.sent * msgBytes) / seconds,
    recorder: rec,
    stoppedBy: failures >= maxFailures ? 'errors' : state.next >= o.messages ? 'count' : 'time',
  };
}
