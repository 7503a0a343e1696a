import { Args } from '../../../proto/imap/args.js';
import { AUTH, type CommandHandler, ok } from '../types.js';

/** One personal namespace, no prefix, "." separator — what Dovecot shows for a Maildir++ store. */
export const namespace: CommandHandler = {
  name: 'NAMESPACE',
  states: AUTH,
  async run(s, c) {
    new Args(c.args, 'NAMESPACE').end();
    s.send('* NAMESPACE (("" ".")) NIL NIL');
    return ok('NAMESPACE completed');
  },
};
