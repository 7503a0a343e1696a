import { Args } from '../../../proto/imap/args.js';
import { ANY, type CommandHandler, ok } from '../types.js';

export const logout: CommandHandler = {
  name: 'LOGOUT',
  states: ANY,
  async run(s, c) {
    new Args(c.args, 'LOGOUT').end();
    s.send('* BYE logging out');
    s.afterTagged = async () => s.close();
    return ok('LOGOUT completed');
  },
};
