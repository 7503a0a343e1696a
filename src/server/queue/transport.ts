/**
 * One SMTP transaction to one remote host, through nodemailer's SMTP client (the wire
 * only: we choose hosts, TLS policy and what each reply means). Never throws: every
 * outcome becomes per-recipient results the runner can record.
 */
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type { AttemptResult } from './spool.js';

export interface SendRequest {
  /** IP address (or a name for a smarthost). */
  host: string;
  port: number;
  /** Name to verify the certificate against and to report (the MX name). */
  servername?: string;
  heloName: string;
  requireTls: boolean;
  verifyTls: boolean;
  connectTimeout: number;
  auth?: { user: string; pass: string };
  sender: string;
  recipients: string[];
  size: number;
  message: () => Readable;
  /** Aborting closes the connection: the message stays queued (graceful stop deadline). */
  signal?: AbortSignal;
}

export interface SendOutcome {
  results: (AttemptResult & { fromRemote: boolean })[];
  /** Nothing was decided by this host (connect/greeting/TLS/MAIL failed temporarily): try the next one. */
  tryNext: boolean;
  tls: boolean;
  /** The reply or error that summarises the attempt, for logs and last_error. */
  summary: string;
}

type SmtpError = Error & {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  recipient?: string;
  rejectedErrors?: SmtpError[];
};

function classify(code: number | undefined): 'failed' | 'deferred' {
  return code !== undefined && code >= 500 && code < 600 ? 'failed' : 'deferred';
}

function reply(e: SmtpError): string {
  return (e.response ?? e.message).replace(/\s*\r?\n\s*/g, ' ').trim();
}

export async function sendOnce(req: SendRequest): Promise<SendOutcome> {
  const where = `${req.servername ?? req.host}[${req.host}]:${req.port}`;
  const conn = new SMTPConnection({
    host: req.host,
    port: req.port,
    name: req.heloName,
    secure: false,
    // STARTTLS whenever offered. With require_tls a failed upgrade is an error (not a silent
    // fallback to plaintext) and a server without STARTTLS is refused after connect.
    opportunisticTLS: !req.requireTls,
    connectionTimeout: req.connectTimeout,
    greetingTimeout: req.connectTimeout,
    socketTimeout: 5 * 60_000,
    ...(req.servername ? { servername: req.servername } : {}),
    tls: { rejectUnauthorized: req.verifyTls, minVersion: 'TLSv1.2' },
    logger: false,
  });
  let lastError: SmtpError | undefined;
  conn.on('error', (e: SmtpError) => {
    lastError = e;
  });
  const abort = () => conn.close();
  req.signal?.addEventListener('abort', abort, { once: true });
  const all = (
    status: 'deferred' | 'failed',
    summary: string,
    tryNext: boolean,
    fromRemote = false,
  ): SendOutcome => ({
    results: req.recipients.map((rcpt) => ({ rcpt, status, error: summary, fromRemote })),
    tryNext,
    tls: conn.secure,
    summary,
  });
  try {
    try {
      await new Promise<void>((resolve, reject) => {
        conn.connect((err?: Error) => (err ? reject(err) : resolve()));
        conn.once('error', reject);
        conn.once('end', () => reject(lastError ?? new Error('connection closed')));
      });
    } catch (e) {
      // Greeting, EHLO or STARTTLS trouble is about this host, not the recipients (Postfix
      // also defers on a 5xx greeting): try the next host, keep the mail.
      return all(
        'deferred',
        `${where}: ${reply(e as SmtpError)}`,
        true,
        (e as SmtpError).responseCode !== undefined,
      );
    }
    if (req.requireTls && !conn.secure) {
      return all(
        'deferred',
        `${where}: TLS is required ([delivery] require_tls) but the server does not offer STARTTLS`,
        true,
      );
    }
    if (req.auth) {
      try {
        await orClosed<void>(conn, (done) =>
          conn.login(req.auth!, (err?: Error | null) => done(err ?? null)),
        );
      } catch (e) {
        // A refused login is our configuration problem: keep the mail, say why.
        return all('deferred', `${where}: authentication failed: ${reply(e as SmtpError)}`, false);
      }
    }
    return await transact(conn, req, where);
  } finally {
    req.signal?.removeEventListener('abort', abort);
    conn.quit();
    conn.close();
  }
}

/** nodemailer does not call a pending callback when the connection closes under it (stop deadline, peer gone). */
function orClosed<T>(
  conn: SMTPConnection,
  start: (done: (err: Error | null, v?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const closed = () => reject(Object.assign(new Error('connection closed'), { code: 'ECONNECTION' }));
    conn.once('end', closed);
    start((err, v) => {
      conn.off('end', closed);
      if (err) reject(err);
      else resolve(v as T);
    });
  });
}

async function transact(conn: SMTPConnection, req: SendRequest, where: string): Promise<SendOutcome> {
  const body = req.message();
  const envelope = { from: req.sender, to: req.recipients, size: req.size, use8BitMime: true };
  try {
    const info = await orClosed<SMTPConnection.SentMessageInfo>(conn, (done) =>
      conn.send(envelope, body, (err, info) => done(err, info)),
    );
    const results: SendOutcome['results'] = [];
    const response = `${where}: ${(info.response ?? '').trim()}`;
    for (const r of info.accepted)
      results.push({ rcpt: String(r), status: 'delivered', error: response, fromRemote: true });
    for (const e of (info.rejectedErrors ?? []) as SmtpError[]) {
      results.push({
        rcpt: e.recipient ?? '',
        status: classify(e.responseCode),
        error: `${where}: ${reply(e)}`,
        fromRemote: true,
      });
    }
    return { results, tryNext: false, tls: conn.secure, summary: response };
  } catch (e) {
    const err = e as SmtpError;
    const summary = `${where}: ${reply(err)}`;
    const status = classify(err.responseCode);
    if (err.command === 'RCPT TO' && err.rejectedErrors) {
      const results = err.rejectedErrors.map((x) => ({
        rcpt: x.recipient ?? '',
        status: classify(x.responseCode),
        error: `${where}: ${reply(x)}`,
        fromRemote: true,
      }));
      return { results, tryNext: false, tls: conn.secure, summary };
    }
    if (err.command === 'DATA') {
      // The DATA reply applies to recipients accepted at RCPT; the others keep their own reply.
      const rejected = rejectedAtRcpt(conn);
      const results = req.recipients.map((rcpt) => {
        const r = rejected.get(rcpt);
        return r
          ? { rcpt, status: classify(r.responseCode), error: `${where}: ${reply(r)}`, fromRemote: true }
          : { rcpt, status, error: summary, fromRemote: err.responseCode !== undefined };
      });
      return { results, tryNext: false, tls: conn.secure, summary };
    }
    // MAIL FROM refused, connection lost, stream error: nobody has the message.
    const tryNext = err.command === 'MAIL FROM' ? status === 'deferred' : true;
    return {
      results: req.recipients.map((rcpt) => ({
        rcpt,
        status,
        error: summary,
        fromRemote: err.responseCode !== undefined,
      })),
      tryNext,
      tls: conn.secure,
      summary,
    };
  } finally {
    body.destroy();
  }
}

/** nodemailer forgets per-recipient RCPT rejections when DATA then fails; read them from its envelope. */
function rejectedAtRcpt(conn: SMTPConnection): Map<string, SmtpError> {
  const env = (conn as unknown as { _envelope?: { rejectedErrors?: SmtpError[] } })._envelope;
  return new Map((env?.rejectedErrors ?? []).map((e) => [e.recipient ?? '', e]));
}
