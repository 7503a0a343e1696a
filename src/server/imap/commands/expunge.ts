import { Args } from '../../../proto/imap/args.js';
import { resolveUids } from '../sets.js';
import { type CommandHandler, no, ok, SELECTED } from '../types.js';

/** EXPUNGE, and UIDPLUS's UID EXPUNGE (only the given UIDs). */
export const expunge: CommandHandler = {
  name: 'EXPUNGE',
  states: SELECTED,
  uid: true,
  async run(s, c) {
    const sel = s.selected!;
    const a = new Args(c.args, 'EXPUNGE');
    const only = c.uid ? new Set(resolveUids(sel, a.atom('UID set'), true)) : undefined;
    a.end();
    if (sel.readOnly) return no('mailbox is read-only', 'READ-ONLY');
    await sel.sync(s, { expunge: true });
    const targets: number[] = [];
    for (const m of sel.view.messages()) {
      if (m.flags.includes('\\Deleted') && (!only || only.has(m.uid)) && sel.seqOf(m.uid))
        targets.push(m.uid);
    }
    if (targets.length) sel.announceExpunged(s, await sel.view.expunge(targets));
    return ok('EXPUNGE completed');
  },
};
