/**
 * Hands an accepted message to its destinations: one Store.deliver() per local mailbox
 * (each copy gets its own Delivered-To) and one queue entry for all remote recipients.
 * Resolves only when every copy is on disk (the store and queue fsync before resolving),
 * so the caller's 250 is a promise kept.
 */
import { isMailctlError } from '../../errors.js';
import type { DeliverySource } from '../../store/store.js';
import type { PolicyContext } from './policy/context.js';

export interface DeliveryResult {
  /** Store ids (Maildir base names) of local copies. */
  stored: string[];
  /** Outbound queue id, when there were remote recipients. */
  queueId?: string;
  local: string[];
  remote: string[];
}

/** RFC 5322 date-time for Received. */
function rfc5322Date(d = new Date()): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** The Received header this hop adds, with the TLS details an operator wants to see. */
export function receivedHeader(ctx: PolicyContext, hostname: string, forRcpt?: string): string {
  const s = ctx.session;
  const helo = (s.helo ?? 'unknown').replace(/[^\x21-\x7e]/g, '?');
  const proto = `${s.tls ? 'ESMTPS' : 'ESMTP'}${s.user ? 'A' : ''}`;
  const tls = s.tls ? `\r\n\t(using ${s.tls.protocol} with cipher ${s.tls.cipher})` : '';
  const auth = s.user ? `\r\n\t(authenticated as ${s.user.address})` : '';
  const rcpt = forRcpt ? `\r\n\tfor <${forRcpt}>` : '';
  return (
    `Received: from ${helo} ([${s.remoteAddress}])\r\n\tby ${hostname} (mailctl) with ${proto} id ${s.id}` +
    `${tls}${auth}${rcpt};\r\n\t${rfc5322Date()}\r\n`
  );
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs.map((x) => x.toLowerCase()))];
}

/** Runs fn over items with at most `n` in flight; rejects with the first error after all settle. */
async function limited<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (e) {
        firstError ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (firstError !== undefined) throw firstError;
  return out;
}

export async function deliverMessage(ctx: PolicyContext, opts: { junk: boolean }): Promise<DeliveryResult> {
  const { store, queue, config } = ctx.daemon;
  const message = ctx.message;
  if (!message) throw new Error('deliverMessage called without a message');
  const local = uniq(ctx.recipients.flatMap((r) => r.resolution?.local ?? []));
  const remote = uniq(ctx.recipients.flatMap((r) => r.resolution?.remote ?? []));
  const sender = ctx.sender?.parsed?.address ?? '';
  const single = ctx.recipients.length === 1 && ctx.recipients[0].parsed.ok;
  const forRcpt = single && ctx.recipients[0].parsed.ok ? ctx.recipients[0].parsed.value.address : undefined;
  const received = receivedHeader(ctx, config.hostname, forRcpt);
  const auth = ctx.senderAuth?.headers ?? '';
  const source: DeliverySource = ctx.session.user ? 'submission' : 'smtp';
  const folder = opts.junk ? 'Junk' : 'INBOX';

  const stored = await limited(local, 8, async (user) => {
    const prepend = `Return-Path: <${sender}>\r\nDelivered-To: ${user}\r\n${auth}${received}`;
    // Junk is a special-use folder ensureUser() creates; INBOX always exists.
    if (folder !== 'INBOX') await store.ensureUser(user);
    const [d] = await store.deliver([{ user, folder }], message.spool.inMemory() ?? message.spool.stream(), {
      source,
      prepend,
      maxSize: config.smtp.max_message_size,
      // SMTP never reports the UID; numbering in batches saves a lock per message.
      uidLater: true,
    });
    return d.id;
  });

  let queueId: string | undefined;
  if (remote.length > 0) {
    const q = await queue.enqueue(
      {
        sender,
        recipients: remote,
        sessionId: ctx.session.id,
        authUser: ctx.session.user?.address,
        prepend: received,
        dkimSign: ctx.session.user !== undefined,
      },
      message.spool.stream(),
    );
    queueId = q.id;
  }
  return { stored, queueId, local, remote };
}

/** Whether a delivery error means "the message is too big" (552) rather than a local problem (451). */
export function isTooLarge(e: unknown): boolean {
  return isMailctlError(e) && e.code === 'too-large';
}

/** Whether a delivery error means "over quota". */
export function isQuota(e: unknown): boolean {
  return isMailctlError(e) && e.code === 'quota';
}
