import { Args } from '../../../proto/imap/args.js';
import { AUTH, type CommandHandler, ok } from '../types.js';

/** RFC 5161 ENABLE; CONDSTORE is the one extension that needs enabling here. */
export const enable: CommandHandler = {
  name: 'ENABLE',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'ENABLE');
    const names: string[] = [];
    while (a.remaining) names.push(a.atom('capability').toUpperCase());
    if (names.length === 0) a.atom('capability');
    const enabled = names.filter((n) => n === 'CONDSTORE');
    if (enabled.length) s.condstore = true;
    s.send(`* ENABLED${enabled.length ? ` ${enabled.join(' ')}` : ''}`);
    return ok('ENABLE completed');
  },
};
