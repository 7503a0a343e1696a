/**
 * Delivery status notifications (RFC 3464): a multipart/report with a human part, the
 * machine-readable message/delivery-status part and the original headers
 * (text/rfc822-headers — the body is not sent back, so a bounce never re-delivers a big
 * attachment). Pure: the runner decides when, this decides what.
 */
import { randomBytes } from 'node:crypto';

export interface DsnRecipient {
  address: string;
  action: 'failed' | 'delayed';
  /** Enhanced status code; derived from `diagnostic` when omitted. */
  status?: string;
  /** The remote reply ("550 5.1.1 no such user") or our own reason. */
  diagnostic?: string;
  /** True when `diagnostic` is a reply from a remote SMTP server. */
  fromRemote?: boolean;
  remoteMta?: string;
}

export interface DsnInput {
  reportingMta: string;
  queueId: string;
  /** The original envelope sender; the DSN goes to it. */
  sender: string;
  arrival: Date;
  now: Date;
  recipients: DsnRecipient[];
  /** Header block of the original message (up to the blank line). */
  originalHeaders: string;
  /** For delay notices: when we give up. */
  willRetryUntil?: Date;
  /** For tests: a fixed boundary / Message-ID token. */
  token?: string;
}

/** The enhanced status code of an SMTP reply, or one made from its basic code. */
export function statusOf(diagnostic: string | undefined, fallback: '4.0.0' | '5.0.0'): string {
  const m = /^([245])\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(diagnostic ?? '');
  if (m && m[1] === m[2][0]) return m[2];
  const basic = /^([245])\d\d\b/.exec(diagnostic ?? '');
  if (basic) return `${basic[1]}.0.0`;
  return fallback;
}

/** RFC 5322 date with a numeric zone. */
export function rfc5322Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** One header-safe line: no CR/LF or control characters, bounded length. */
function oneLine(s: string, max = 900): string {
  const flat = s
    .replace(/\r?\n/g, ' ')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function buildDsn(input: DsnInput): string {
  const token = input.token ?? randomBytes(8).toString('hex');
  const boundary = `=_mailctl_dsn_${token}`;
  const delayed = input.recipients.every((r) => r.action === 'delayed');
  const host = input.reportingMta;
  const headers = [
    `From: "Mail Delivery System" <MAILER-DAEMON@${host}>`,
    `To: <${input.sender}>`,
    `Subject: ${delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender'}`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${input.queueId}.${token}.dsn@${host}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
  ];
  const human = humanText(input, delayed);
  const perMessage = [
    `Reporting-MTA: dns; ${host}`,
    `X-Mailctl-Queue-ID: ${input.queueId}`,
    `Arrival-Date: ${rfc5322Date(input.arrival)}`,
  ];
  const perRecipient = input.recipients.map((r) => {
    const status = r.status ?? statusOf(r.diagnostic, r.action === 'failed' ? '5.0.0' : '4.0.0');
    const lines = [`Final-Recipient: rfc822; ${r.address}`, `Action: ${r.action}`, `Status: ${status}`];
    if (r.remoteMta) lines.push(`Remote-MTA: dns; ${r.remoteMta}`);
    if (r.diagnostic)
      lines.push(`Diagnostic-Code: ${r.fromRemote ? 'smtp' : 'x-mailctl'}; ${oneLine(r.diagnostic)}`);
    lines.push(`Last-Attempt-Date: ${rfc5322Date(input.now)}`);
    if (r.action === 'delayed' && input.willRetryUntil) {
      lines.push(`Will-Retry-Until: ${rfc5322Date(input.willRetryUntil)}`);
    }
    return lines.join('\r\n');
  });
  const original = input.originalHeaders.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '\r\n');
  return [
    ...headers,
    '',
    'This is a MIME-encapsulated message (a delivery status notification).',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    human,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    [perMessage.join('\r\n'), ...perRecipient].join('\r\n\r\n'),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    original,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

function humanText(input: DsnInput, delayed: boolean): string {
  const lines = delayed
    ? [
        `This is the mail system at ${input.reportingMta}.`,
        '',
        'Your message could not be delivered yet. It is still in the queue and will be',
        `retried${input.willRetryUntil ? ` until ${rfc5322Date(input.willRetryUntil)}` : ''}; you do not need to resend it.`,
      ]
    : [
        `This is the mail system at ${input.reportingMta}.`,
        '',
        'Your message could not be delivered to one or more recipients. It has been',
        'returned below (headers only).',
      ];
  lines.push('');
  for (const r of input.recipients) {
    lines.push(
      `<${r.address}>: ${oneLine(r.diagnostic ?? (r.action === 'failed' ? 'delivery failed' : 'delivery delayed'), 500)}`,
    );
  }
  return lines.join('\r\n');
}
