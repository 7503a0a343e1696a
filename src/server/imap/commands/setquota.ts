import { AUTH, type CommandHandler, no } from '../types.js';

/** Quotas come from the account (`mailctl accounts`), not from IMAP clients. */
export const setquota: CommandHandler = {
  name: 'SETQUOTA',
  states: AUTH,
  async run() {
    return no('quotas are set by the administrator', 'NOPERM');
  },
};
