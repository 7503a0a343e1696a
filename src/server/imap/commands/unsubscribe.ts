import { Args } from '../../../proto/imap/args.js';
import { fromWire } from '../names.js';
import { AUTH, type CommandHandler, ok } from '../types.js';

export const unsubscribe: CommandHandler = {
  name: 'UNSUBSCRIBE',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'UNSUBSCRIBE');
    const folder = fromWire(a.astring('mailbox'));
    a.end();
    await s.ctx.store.subscribe(s.user!, folder, false);
    return ok('UNSUBSCRIBE completed');
  },
};
