import { Args } from '../../../proto/imap/args.js';
import { type CommandHandler, ok, SELECTED } from '../types.js';

/** RFC 3691 UNSELECT: like CLOSE without expunging. */
export const unselect: CommandHandler = {
  name: 'UNSELECT',
  states: SELECTED,
  async run(s, c) {
    new Args(c.args, 'UNSELECT').end();
    s.selected?.close();
    s.selected = undefined;
    s.state = 'authenticated';
    return ok('UNSELECT completed');
  },
};
