import { Args } from '../../../proto/imap/args.js';
import { bad, type CommandHandler, NOT_AUTH, ok } from '../types.js';

export const starttls: CommandHandler = {
  name: 'STARTTLS',
  states: NOT_AUTH,
  async run(s, c) {
    new Args(c.args, 'STARTTLS').end();
    if (s.secure) return bad('TLS is already active');
    s.afterTagged = () => s.startTls();
    return ok('begin TLS negotiation now');
  },
};
