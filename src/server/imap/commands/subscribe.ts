import { Args } from '../../../proto/imap/args.js';
import { fromWire } from '../names.js';
import { AUTH, type CommandHandler, ok } from '../types.js';

export const subscribe: CommandHandler = {
  name: 'SUBSCRIBE',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'SUBSCRIBE');
    const folder = fromWire(a.astring('mailbox'));
    a.end();
    await s.ctx.store.subscribe(s.user!, folder, true);
    return ok('SUBSCRIBE completed');
  },
};
