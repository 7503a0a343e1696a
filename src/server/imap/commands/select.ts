/** SELECT (and EXAMINE, which shares this code read-only): RFC 3501 6.3.1, CONDSTORE's HIGHESTMODSEQ. */
import { Args, SYSTEM_FLAGS } from '../../../proto/imap/args.js';
import type { RawCommand } from '../../../proto/imap/tokens.js';
import { fromWire } from '../names.js';
import { Selected } from '../selected.js';
import type { ImapSession } from '../session.js';
import { AUTH, bad, type CommandHandler, ok, type Tagged } from '../types.js';

export async function selectMailbox(s: ImapSession, c: RawCommand, readOnly: boolean): Promise<Tagged> {
  const a = new Args(c.args, c.name);
  const folder = fromWire(a.astring('mailbox'));
  const params = a.optionalList();
  a.end();
  for (const p of params ?? []) {
    if (p.type === 'atom' && p.value.toUpperCase() === 'CONDSTORE') s.condstore = true;
    else return bad(`unsupported ${c.name} parameter`);
  }
  // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
  s.selected?.close();
  s.selected = undefined;
  s.state = 'authenticated';
  const view = await s.ctx.store.open({ user: s.user!, folder }, { readOnly });
  const st = view.status();
  const sel = new Selected(view, folder, readOnly, st);
  const msgs = view.messages();
  const keywords = new Set<string>();
  let firstUnseen = 0;
  for (let i = 0; i < msgs.length; i++) {
    for (const f of msgs[i].flags) if (!f.startsWith('\\')) keywords.add(f);
    if (!firstUnseen && !msgs[i].flags.includes('\\Seen')) firstUnseen = i + 1;
  }
  const flags = [...SYSTEM_FLAGS, ...keywords].join(' ');
  s.send(`* FLAGS (${flags})`);
  s.send(`* OK [PERMANENTFLAGS ${readOnly ? '()' : `(${flags} \\*)`}] flags permitted`);
  s.send(`* ${sel.exists} EXISTS`);
  s.send(`* ${sel.recentCount()} RECENT`);
  if (firstUnseen) s.send(`* OK [UNSEEN ${firstUnseen}] first unseen`);
  s.send(`* OK [UIDVALIDITY ${st.uidValidity}] UIDs valid`);
  s.send(`* OK [UIDNEXT ${st.uidNext}] predicted next UID`);
  s.send(`* OK [HIGHESTMODSEQ ${Math.max(1, st.highestModseq)}] highest`);
  s.selected = sel;
  s.state = 'selected';
  return ok(`${c.name} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

export const select: CommandHandler = {
  name: 'SELECT',
  states: AUTH,
  run: (s, c) => selectMailbox(s, c, false),
};
