import { Args } from '../../../proto/imap/args.js';
import { type CommandHandler, ok, SELECTED } from '../types.js';

/** CHECK: every change is already on disk (fsync'd by the store), so this only polls like NOOP. */
export const check: CommandHandler = {
  name: 'CHECK',
  states: SELECTED,
  async run(s, c) {
    new Args(c.args, 'CHECK').end();
    await s.selected?.sync(s, { expunge: true, force: true });
    return ok('CHECK completed');
  },
};
