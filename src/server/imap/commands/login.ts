import { Args } from '../../../proto/imap/args.js';
import { login as doLogin } from '../login.js';
import { type CommandHandler, NOT_AUTH } from '../types.js';

export const login: CommandHandler = {
  name: 'LOGIN',
  states: NOT_AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'LOGIN');
    const user = a.bytes('user name').toString('utf8');
    const password = a.bytes('password').toString('utf8');
    a.end();
    return doLogin(s, user, password);
  },
};
