/** The TRANSACTION state: STAT, LIST, RETR, TOP, DELE, RSET, UIDL, NOOP (RFC 1939 §5, §7). */
import * as P from '../../proto/pop3.js';
import type { MessageMeta } from '../../store/store.js';
import type { Pop3Session } from './session.js';

type Cmd = Extract<P.ParsedCommand, { ok: true }>;

export async function handleTransaction(s: Pop3Session, cmd: Cmd): Promise<void> {
  const md = s.maildrop;
  if (!md) return s.bad('no maildrop');
  const pick = (arg: string | undefined): { n: number; m: MessageMeta } | undefined => {
    const n = P.parseMsgNumber(arg, md.count);
    const m = n === undefined ? undefined : md.get(n);
    return n !== undefined && m ? { n, m } : undefined;
  };
  switch (cmd.verb) {
    case 'STAT': {
      const st = md.stat();
      return s.send(P.ok(`${st.count} ${st.octets}`));
    }
    case 'LIST':
    case 'UIDL': {
      const fmt = (n: number, m: MessageMeta) => `${n} ${cmd.verb === 'LIST' ? m.size : md.uidl(m)}`;
      if (cmd.args.length > 0) {
        const p = pick(cmd.args[0]);
        return p ? s.send(P.ok(fmt(p.n, p.m))) : s.send(P.err('no such message'));
      }
      const lines: string[] = [];
      for (let n = 1; n <= md.count; n++) {
        const m = md.get(n);
        if (m) lines.push(fmt(n, m));
      }
      const st = md.stat();
      return s.send(
        P.multiline(cmd.verb === 'LIST' ? `${st.count} messages (${st.octets} octets)` : '', lines),
      );
    }
    case 'RETR': {
      const p = pick(cmd.args[0]);
      if (!p || cmd.args.length !== 1) return s.send(P.err('no such message'));
      return retr(s, p.m);
    }
    case 'TOP': {
      const p = pick(cmd.args[0]);
      const lines = P.parseLineCount(cmd.args[1]);
      if (!p || lines === undefined || cmd.args.length !== 2) return s.send(P.err('usage: TOP msg lines'));
      const body = P.topOf(await md.readAll(p.m), lines);
      const stuffer = new P.DotStuffer();
      s.send(P.ok('top of message follows'));
      s.send(stuffer.push(body));
      s.send(stuffer.end());
      return;
    }
    case 'DELE': {
      const p = pick(cmd.args[0]);
      if (!p)
        return s.send(
          P.err(md.isDeleted(Number(cmd.args[0])) ? 'message already deleted' : 'no such message'),
        );
      md.dele(p.n);
      return s.send(P.ok(`message ${p.n} deleted`));
    }
    case 'RSET': {
      md.rset();
      const st = md.stat();
      return s.send(P.ok(`maildrop has ${st.count} messages (${st.octets} octets)`));
    }
    case 'NOOP':
      return s.send(P.ok());
    default:
      return s.bad(`${cmd.verb} is not valid after login`);
  }
}

/** Streams one message, dot-stuffed, with back-pressure; a message that vanished gets -ERR. */
async function retr(s: Pop3Session, m: MessageMeta): Promise<void> {
  const md = s.maildrop;
  if (!md) return;
  const stream = md.read(m);
  const stuffer = new P.DotStuffer();
  let started = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!started) {
        s.send(P.ok(`${m.size} octets`));
        started = true;
      }
      if (!s.write(stuffer.push(chunk))) await s.drain();
    }
  } catch (e) {
    if (!started) return s.send(P.err('message is no longer available', 'SYS/TEMP'));
    // Mid-message failure: the client cannot tell a short message from a cut one, so hang up.
    s.log.error({ session: s.id, err: (e as Error).message }, 'pop3 RETR failed mid-message');
    s.close();
    return;
  }
  if (!started) s.send(P.ok('0 octets'));
  s.send(stuffer.end());
  await md.markSeen(m);
}
