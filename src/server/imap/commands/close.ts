import { Args } from '../../../proto/imap/args.js';
import { type CommandHandler, ok, SELECTED } from '../types.js';

/** CLOSE: silently expunge \Deleted (unless read-only), then leave the selected state. */
export const close: CommandHandler = {
  name: 'CLOSE',
  states: SELECTED,
  async run(s, c) {
    new Args(c.args, 'CLOSE').end();
    const sel = s.selected!;
    if (!sel.readOnly) {
      const targets = sel.view
        .messages()
        .filter((m) => m.flags.includes('\\Deleted'))
        .map((m) => m.uid);
      if (targets.length) await sel.view.expunge(targets);
    }
    sel.close();
    s.selected = undefined;
    s.state = 'authenticated';
    return ok('CLOSE completed');
  },
};
