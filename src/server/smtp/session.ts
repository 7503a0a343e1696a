/**
 * The smtp-server adapter: every hook is wrapped so an async throw becomes a 451 reply
 * (never an unhandled rejection), each stage asks the policy pipeline, and the session
 * state lives in typed fields. One log line per connection and one per message.
 */

import { join } from 'node:path';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerDataStream,
  SMTPServerOptions,
  SMTPServerSession,
} from 'smtp-server';
import { parseEnvelopeAddress } from '../../proto/smtp-address.js';
import { Replies, replyText, SmtpReplyError } from '../../proto/smtp-reply.js';
import type { DaemonContext } from '../service.js';
import { deliverMessage, isQuota, isTooLarge } from './deliver.js';
import type { PolicyContext, SmtpListener } from './policy/context.js';
import type { Decision } from './policy/decide.js';
import type { Pipeline } from './policy/pipeline.js';
import { Spool } from './spool.js';

interface State {
  ctx: PolicyContext;
  startedAt: number;
  heloChecked?: string;
  messages: number;
  rejected: number;
}

type Hooks = Pick<
  SMTPServerOptions,
  'onConnect' | 'onSecure' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'
>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** stream.pipe() with one promise; cheaper per message than stream/promises pipeline (no AbortController). */
function receiveInto(stream: SMTPServerDataStream, spool: Spool): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      stream.unpipe(spool);
      spool.destroy();
      reject(e);
    };
    stream.once('error', fail);
    spool.once('error', fail);
    spool.once('finish', () => resolve());
    stream.pipe(spool);
  });
}

export function createHooks(
  daemon: DaemonContext,
  listener: SmtpListener,
  getPipeline: () => Pipeline,
): Hooks {
  const states = new Map<string, State>();
  const log = daemon.log;

  const state = (session: SMTPServerSession): State => {
    let s = states.get(session.id);
    if (!s) {
      s = {
        ctx: {
          daemon,
          session: {
            id: session.id,
            listener,
            remoteAddress: session.remoteAddress,
            remotePort: session.remotePort,
            secure: session.secure,
          },
          recipients: [],
        },
        startedAt: Date.now(),
        messages: 0,
        rejected: 0,
      };
      states.set(session.id, s);
    }
    return s;
  };

  /** Refreshes what smtp-server knows (TLS may have started, HELO may have changed). */
  const sync = (session: SMTPServerSession): PolicyContext => {
    const ctx = state(session).ctx;
    ctx.session.secure = session.secure;
    ctx.session.helo = session.hostNameAppearsAs || undefined;
    const t = session.tlsOptions;
    ctx.session.tls = t ? { protocol: t.version ?? 'TLS', cipher: t.standardName ?? t.name } : undefined;
    return ctx;
  };

  const refuse = (d: Decision, id: string) => new SmtpReplyError(d.reply ?? Replies.localError, id, d.detail);

  /** Runs a hook body; any unexpected throw becomes 451 4.3.0 with the session id. */
  const guard = <A extends unknown[]>(
    name: string,
    body: (...a: A) => Promise<void>,
  ): ((...a: A) => void) => {
    return (...args: A) => {
      const session = args[args.length - 2] as SMTPServerSession;
      const cb = args[args.length - 1] as (err?: Error | null, ...rest: unknown[]) => void;
      body(...args).catch((e: unknown) => {
        if (e instanceof SmtpReplyError) return cb(e);
        log.error({ session: session.id, hook: name, err: (e as Error).message }, 'SMTP hook failed');
        daemon.events.emit('smtp-error', { listener, hook: name });
        cb(new SmtpReplyError(Replies.localError, session.id));
      });
    };
  };

  const heloStage = async (session: SMTPServerSession, ctx: PolicyContext) => {
    const st = state(session);
    if (!ctx.session.helo || st.heloChecked === ctx.session.helo) return;
    const d = await getPipeline().run('helo', ctx);
    if (d.outcome !== 'accept') throw refuse(d, session.id);
    st.heloChecked = ctx.session.helo;
  };

  return {
    onConnect: guard('connect', async (session: SMTPServerSession, cb: (err?: Error | null) => void) => {
      const ctx = sync(session);
      daemon.events.emit('connection', { listener });
      const d = await getPipeline().run('connect', ctx);
      if (d.outcome !== 'accept') throw refuse(d, session.id);
      cb();
    }),

    onAuth: guard(
      'auth',
      async (
        auth: SMTPServerAuthentication,
        session: SMTPServerSession,
        cb: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
      ) => {
        const ctx = sync(session);
        ctx.authUser = auth.username ?? '';
        const d = await getPipeline().run('auth', ctx);
        if (d.outcome !== 'accept') throw refuse(d, session.id);
        const r = await daemon.directory.authenticate(auth.username ?? '', auth.password ?? '');
        if (!r.ok || !r.account) {
          daemon.events.emit('auth-failure', {
            listener,
            ip: ctx.session.remoteAddress,
            user: auth.username,
          });
          log.warn(
            { session: session.id, ip: ctx.session.remoteAddress, user: auth.username, reason: r.reason },
            'SMTP AUTH failed',
          );
          const delay = daemon.config.smtp.auth_failure_delay;
          if (delay > 0) await sleep(delay);
          throw new SmtpReplyError(Replies.authFailed, session.id);
        }
        ctx.session.user = r.account;
        daemon.events.emit('auth-success', { listener });
        cb(null, { user: r.account.address });
      },
    ),

    onMailFrom: guard(
      'mail',
      async (address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) => {
        const ctx = sync(session);
        await heloStage(session, ctx);
        ctx.recipients = [];
        ctx.message = undefined;
        ctx.senderAuth = undefined;
        const raw = address.address ?? '';
        const p = raw === '' ? undefined : parseEnvelopeAddress(raw);
        ctx.sender = {
          raw,
          parsed: p?.ok ? p.value : undefined,
          problem: p && !p.ok ? p.problem : undefined,
        };
        const d = await getPipeline().run('mail', ctx);
        if (d.outcome !== 'accept') throw refuse(d, session.id);
        cb();
      },
    ),

    onRcptTo: guard(
      'rcpt',
      async (address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) => {
        const ctx = sync(session);
        const raw = address.address ?? '';
        ctx.rcpt = { raw, parsed: parseEnvelopeAddress(raw) };
        try {
          const d = await getPipeline().run('rcpt', ctx);
          if (d.outcome !== 'accept') {
            log.info({ session: session.id, rcpt: raw.slice(0, 256), reason: d.reason }, 'recipient refused');
            throw refuse(d, session.id);
          }
          ctx.recipients.push(ctx.rcpt);
        } finally {
          ctx.rcpt = undefined;
        }
        cb();
      },
    ),

    onData: (
      stream: SMTPServerDataStream,
      session: SMTPServerSession,
      cb: (err?: Error | null, msg?: string) => void,
    ) => {
      receive(stream, session)
        .then((msg) => cb(null, msg))
        .catch((e: unknown) => {
          if (!(e instanceof SmtpReplyError)) {
            log.error({ session: session.id, err: (e as Error).message }, 'message handling failed');
          }
          cb(e instanceof SmtpReplyError ? e : new SmtpReplyError(Replies.localError, session.id));
        });
    },

    onClose: (session: SMTPServerSession) => {
      const st = states.get(session.id);
      states.delete(session.id);
      daemon.events.emit('connection-closed', { listener, session: session.id });
      if (!st) return;
      const s = st.ctx.session;
      log.info(
        {
          session: s.id,
          listener,
          ip: s.remoteAddress,
          helo: s.helo,
          tls: s.tls?.protocol,
          user: s.user?.address,
          messages: st.messages,
          rejected: st.rejected,
          ms: Date.now() - st.startedAt,
        },
        'connection closed',
      );
    },
  };

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const st = state(session);
    const ctx = sync(session);
    const maxSize = daemon.config.smtp.max_message_size;
    const spool = new Spool(join(daemon.config.data_dir, 'incoming'), maxSize);
    const started = Date.now();
    const logMsg = (result: string, extra: Record<string, unknown> = {}) =>
      log.isLevelEnabled('info') &&
      log.info(
        {
          session: session.id,
          listener,
          from: ctx.sender?.raw,
          rcpts: ctx.recipients.length,
          size: spool.size,
          result,
          ms: Date.now() - started,
          ...extra,
        },
        'message',
      );
    try {
      await receiveInto(stream, spool);
      if (stream.sizeExceeded || spool.oversized) {
        st.rejected++;
        logMsg('too-big');
        throw new SmtpReplyError(Replies.messageTooBig, session.id);
      }
      ctx.message = { spool, headers: spool.head() };
      const d = await getPipeline().run('data', ctx);
      if (d.outcome !== 'accept') {
        st.rejected++;
        logMsg(d.outcome, { reason: d.reason });
        throw refuse(d, session.id);
      }
      let result: Awaited<ReturnType<typeof deliverMessage>>;
      try {
        result = await deliverMessage(ctx, { junk: d.junk });
      } catch (e) {
        st.rejected++;
        if (isTooLarge(e)) throw new SmtpReplyError(Replies.messageTooBig, session.id);
        const quota = isQuota(e);
        if (quota) logMsg('over-quota', { err: (e as Error).message });
        else log.error({ session: session.id, err: (e as Error).message }, 'delivery failed; answering 451');
        if (quota) {
          throw new SmtpReplyError(
            daemon.config.smtp.quota_reply === 'permanent'
              ? Replies.mailboxFullPerm
              : Replies.mailboxFullTemp,
            session.id,
          );
        }
        throw new SmtpReplyError(Replies.localError, session.id);
      }
      st.messages++;
      daemon.events.emit('message', {
        listener,
        size: spool.size,
        local: result.local.length,
        remote: result.remote.length,
      });
      logMsg('accepted', {
        reason: d.reason,
        junk: d.junk || undefined,
        stored: result.stored.length,
        queue: result.queueId,
        auth: ctx.senderAuth
          ? { spf: ctx.senderAuth.spf, dkim: ctx.senderAuth.dkim, dmarc: ctx.senderAuth.dmarc }
          : undefined,
      });
      const id = result.queueId ?? result.stored[0] ?? session.id;
      return replyText(Replies.accepted, undefined, `id=${id}`);
    } finally {
      ctx.message = undefined;
      await spool.dispose();
    }
  }
}
