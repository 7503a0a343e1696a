import { Args } from '../../../proto/imap/args.js';
import { AUTH, type CommandHandler, no, ok } from '../types.js';
import { quotaLine } from './getquotaroot.js';

export const getquota: CommandHandler = {
  name: 'GETQUOTA',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'GETQUOTA');
    const root = a.astring('quota root');
    a.end();
    const line = root === '' ? await quotaLine(s) : undefined;
    if (!line) return no('no such quota root', 'NONEXISTENT');
    s.send(line);
    return ok('GETQUOTA completed');
  },
};
