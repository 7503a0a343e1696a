/**
 * Open relay: on every MX address, ask to relay from outside to outside with the classic
 * tricks. Each attempt is MAIL FROM / RCPT TO / RSET — DATA is never sent, so no message
 * can leave even through a relay that accepts. Any accepted RCPT is a failure.
 */
import { AuditContext } from '../context.js';
import { type Finding, fail, pass, warn } from '../result.js';
import type { Check } from '../run.js';
import { ProbeError, SmtpConnection } from '../smtp.js';

export interface RelayTrick {
  name: string;
  from: string;
  to: string;
}

/** The attempts, for a domain D (the audited one, which the MX accepts mail for). */
export function relayTricks(d: string): RelayTrick[] {
  const from = 'mailctl-audit@example.net';
  const ext = 'relay-test@example.org';
  return [
    { name: 'plain', from, to: ext },
    { name: 'percent hack', from, to: `relay-test%example.org@${d}` },
    { name: 'source route', from, to: `@${d}:${ext}` },
    { name: 'quoted local part', from, to: `"${ext}"@${d}` },
    { name: 'user@remote@mx', from, to: `${ext}@${d}` },
    { name: 'bang path', from, to: `example.org!relay-test@${d}` },
    { name: 'bang path (bare)', from, to: 'example.org!relay-test' },
    { name: 'local sender', from: `postmaster@${d}`, to: ext },
    { name: 'unqualified sender', from: 'mailctl-audit', to: ext },
    { name: 'null sender', from: '', to: ext },
  ];
}

export const openRelay: Check = {
  name: 'open-relay',
  title: 'Open relay',
  async run(ctx, report) {
    const endpoints = await ctx.mxEndpoints();
    await Promise.all(endpoints.map((e) => relayTest(ctx, e.host, e.address, report)));
  },
};

/** Parallel connections per MX: a few, so a slow link costs ~1/3 of the round trips, yet polite. */
const lanes = 3;

interface Tally {
  accepted: string[];
  tempFailed: string[];
  tried: number;
  error?: string;
}

async function relayTest(ctx: AuditContext, host: string, address: string, report: (f: Finding) => void) {
  const where = AuditContext.fmt(host, address, ctx.smtpPort);
  const tricks = relayTricks(ctx.domain);
  const tally: Tally = { accepted: [], tempFailed: [], tried: 0 };
  const groups = Array.from({ length: lanes }, (_, i) => tricks.filter((_, j) => j % lanes === i));
  await Promise.all(groups.map((g) => lane(ctx, address, g, tally)));
  // Report in the order of the list, whatever lane finished first.
  const order = (xs: string[]) => tricks.map((t) => t.name).filter((n) => xs.includes(n));
  const accepted = order(tally.accepted);
  const tempFailed = order(tally.tempFailed);
  const tried = tally.tried;
  if (tally.error && accepted.length === 0) {
    report(
      warn(
        where,
        `relay test incomplete after ${tried} of ${tricks.length} attempts: ${tally.error}`,
        'make sure the MX answers SMTP, then re-run',
      ),
    );
  }
  if (accepted.length > 0) {
    report(
      fail(
        where,
        `OPEN RELAY: accepted a recipient outside its domains (${accepted.join(', ')})`,
        'relay only for authenticated users and your own networks (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination)',
      ),
    );
  } else if (tempFailed.length > 0) {
    report(
      warn(
        where,
        `relay attempts answered with temporary errors (${tempFailed.join(', ')}): inconclusive`,
        'answer unauthorised relaying with a permanent 5xx (554 5.7.1)',
      ),
    );
  } else if (tried > 0 && !tally.error) {
    report(pass(where, `refused all ${tried} relay attempts`));
  }
}

/** One connection working through its share of the tricks; reconnects once per attempt. */
async function lane(ctx: AuditContext, address: string, tricks: RelayTrick[], tally: Tally): Promise<void> {
  let conn: SmtpConnection | undefined;
  try {
    for (const t of tricks) {
      // Servers may hang up after a few refusals: reconnect once per attempt.
      if (!conn) conn = await connect(ctx, address);
      let r: Awaited<ReturnType<typeof attempt>>;
      try {
        r = await attempt(conn, t);
      } catch (e) {
        if (!(e instanceof ProbeError)) throw e;
        conn.close();
        conn = await connect(ctx, address);
        r = await attempt(conn, t);
      }
      tally.tried++;
      if (r === 'accepted') tally.accepted.push(t.name);
      if (r === 'tempfail') tally.tempFailed.push(t.name);
    }
  } catch (e) {
    tally.error ??= e instanceof Error ? e.message : String(e);
  } finally {
    conn?.close();
  }
}

async function connect(ctx: AuditContext, address: string): Promise<SmtpConnection> {
  const { conn, banner } = await SmtpConnection.open(
    { host: address, address, port: ctx.smtpPort },
    ctx.timeoutMs,
  );
  try {
    if (banner.code !== 220) throw new ProbeError(`greeted with ${banner.code} ${banner.lines[0] ?? ''}`);
    await conn.ehlo(ctx.probe.heloName);
    return conn;
  } catch (e) {
    conn.close();
    throw e;
  }
}

async function attempt(conn: SmtpConnection, t: RelayTrick): Promise<'accepted' | 'refused' | 'tempfail'> {
  try {
    const m = await conn.command(`MAIL FROM:<${t.from}>`);
    if (m.code >= 400) return m.code < 500 ? 'tempfail' : 'refused';
    const r = await conn.command(`RCPT TO:<${t.to}>`);
    if (r.code === 250 || r.code === 251) return 'accepted';
    return r.code < 500 ? 'tempfail' : 'refused';
  } finally {
    // Never DATA: end the transaction whatever happened.
    await conn.command('RSET').catch(() => undefined);
  }
}
