import { Args } from '../../../proto/imap/args.js';
import { capabilities } from '../capabilities.js';
import { ANY, type CommandHandler, ok } from '../types.js';

export const capability: CommandHandler = {
  name: 'CAPABILITY',
  states: ANY,
  async run(s, c) {
    new Args(c.args, 'CAPABILITY').end();
    s.send(`* CAPABILITY ${capabilities(s)}`);
    return ok('CAPABILITY completed');
  },
};
