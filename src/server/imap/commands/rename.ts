import { Args } from '../../../proto/imap/args.js';
import { fromWire } from '../names.js';
import { AUTH, type CommandHandler, no, ok } from '../types.js';

/**
 * RENAME; renaming INBOX moves its messages to the new folder and leaves INBOX empty
 * (RFC 3501 6.3.5) — the store implements that for from = "INBOX".
 */
export const rename: CommandHandler = {
  name: 'RENAME',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'RENAME');
    const from = fromWire(a.astring('existing mailbox'));
    const to = fromWire(a.astring('new mailbox'));
    a.end();
    if (to === 'INBOX') return no('cannot rename to INBOX', 'ALREADYEXISTS');
    if (from === to) return no('old and new names are the same', 'ALREADYEXISTS');
    await s.ctx.store.renameFolder(s.user!, from, to);
    return ok('RENAME completed');
  },
};
