import { Args } from '../../../proto/imap/args.js';
import { ANY, type CommandHandler, ok } from '../types.js';

/** NOOP polls: it re-reads the selected mailbox, so changes made by other processes (Dovecot) show up. */
export const noop: CommandHandler = {
  name: 'NOOP',
  states: ANY,
  async run(s, c) {
    new Args(c.args, 'NOOP').end();
    await s.selected?.sync(s, { expunge: true, force: true });
    return ok('NOOP completed');
  },
};
