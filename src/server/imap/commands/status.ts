import { Args } from '../../../proto/imap/args.js';
import { mailbox } from '../../../proto/imap/encode.js';
import { fromWire, toWire } from '../names.js';
import { AUTH, bad, type CommandHandler, ok } from '../types.js';

const ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ'];

export const status: CommandHandler = {
  name: 'STATUS',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'STATUS');
    const folder = fromWire(a.astring('mailbox'));
    const items = a.list('status items').map((t) => (t.type === 'atom' ? t.value.toUpperCase() : ''));
    a.end();
    if (items.length === 0 || items.some((i) => !ITEMS.includes(i)))
      return bad('STATUS items must be among ' + ITEMS.join(' '));
    if (items.includes('HIGHESTMODSEQ')) s.condstore = true;
    const view = await s.ctx.store.open({ user: s.user!, folder }, { readOnly: true });
    try {
      const st = view.status();
      const values: Record<string, number> = {
        MESSAGES: st.messages,
        RECENT: st.recent,
        UIDNEXT: st.uidNext,
        UIDVALIDITY: st.uidValidity,
        UNSEEN: st.unseen,
        HIGHESTMODSEQ: Math.max(1, st.highestModseq),
      };
      s.send(`* STATUS ${mailbox(toWire(folder))} (${items.map((i) => `${i} ${values[i]}`).join(' ')})`);
    } finally {
      view.close();
    }
    return ok('STATUS completed');
  },
};
