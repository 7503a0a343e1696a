import { Args } from '../../../proto/imap/args.js';
import { fromWire } from '../names.js';
import { AUTH, type CommandHandler, no, ok } from '../types.js';

export const del: CommandHandler = {
  name: 'DELETE',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'DELETE');
    const folder = fromWire(a.astring('mailbox'));
    a.end();
    if (folder === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    if (s.selected?.folder === folder) {
      s.selected.close();
      s.selected = undefined;
      s.state = 'authenticated';
    }
    await s.ctx.store.deleteFolder(s.user!, folder);
    return ok('DELETE completed');
  },
};
