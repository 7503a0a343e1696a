import { Args } from '../../../proto/imap/args.js';
import { fromWire } from '../names.js';
import { AUTH, type CommandHandler, ok } from '../types.js';

const SPECIAL_USES = new Set(['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged']);

/** CREATE, with RFC 6154's CREATE-SPECIAL-USE "(USE (\\Sent))" accepted. */
export const create: CommandHandler = {
  name: 'CREATE',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'CREATE');
    // A trailing separator means "I intend to create children" (RFC 3501 6.3.3); the name is the same.
    const folder = fromWire(a.astring('mailbox').replace(/\.$/, ''));
    let specialUse: string | undefined;
    const opts = a.optionalList();
    a.end();
    if (opts?.[0]?.type === 'atom' && opts[0].value.toUpperCase() === 'USE' && opts[1]?.type === 'list') {
      const u = opts[1].items[0];
      if (u?.type === 'atom')
        specialUse = [...SPECIAL_USES].find((x) => x.toLowerCase() === u.value.toLowerCase());
      if (!specialUse) return { status: 'NO', code: 'USEATTR', text: 'unsupported special-use attribute' };
    }
    if (folder === 'INBOX') return { status: 'NO', code: 'ALREADYEXISTS', text: 'INBOX always exists' };
    await s.ctx.store.createFolder(s.user!, folder, specialUse);
    return ok('CREATE completed');
  },
};
