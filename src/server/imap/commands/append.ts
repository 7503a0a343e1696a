/**
 * APPEND (RFC 3501 6.3.11) with UIDPLUS's APPENDUID. The message literal is complete in
 * memory before anything is written (the framer collects it), so a client that hangs up
 * mid-literal leaves nothing behind; the store writes tmp/ → fsync → rename.
 */
import { MailctlError } from '../../../errors.js';
import { Args, parseDateTime, parseFlags } from '../../../proto/imap/args.js';
import type { Delivered } from '../../../store/store.js';
import { fromWire } from '../names.js';
import { AUTH, bad, type CommandHandler, no, ok } from '../types.js';

export const append: CommandHandler = {
  name: 'APPEND',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'APPEND');
    const folder = fromWire(a.astring('mailbox'));
    const flagList = a.optionalList();
    const flags = flagList ? parseFlags(flagList) : [];
    let date: Date | undefined;
    const t = a.peek();
    if (t?.type === 'string' && !t.literal) date = parseDateTime(a.astring('date-time'));
    const msg = a.next('message literal');
    if (msg.type !== 'string' || !msg.literal) return bad('APPEND needs the message as a literal');
    a.end();
    if (msg.value.length === 0) return no('empty message', 'CANNOT');
    let delivered: Delivered[];
    try {
      delivered = await s.ctx.store.deliver([{ user: s.user!, folder }], msg.value, {
        source: 'imap-append',
        flags,
        internalDate: date,
        maxSize: s.ctx.config.imap.max_literal,
      });
    } catch (e) {
      if (e instanceof MailctlError && e.code === 'not-found') return no(`no mailbox ${folder}`, 'TRYCREATE');
      throw e;
    }
    const d = delivered[0];
    s.ctx.events.emit('message', { service: 'imap', source: 'imap-append', user: s.user, size: d.size });
    return ok('APPEND completed', `APPENDUID ${d.uidValidity} ${d.uid}`);
  },
};
