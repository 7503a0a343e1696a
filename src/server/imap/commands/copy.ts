import { MailctlError } from '../../../errors.js';
import { Args, formatSet } from '../../../proto/imap/args.js';
import type { RawCommand } from '../../../proto/imap/tokens.js';
import { fromWire } from '../names.js';
import type { ImapSession } from '../session.js';
import { resolveUids } from '../sets.js';
import { type CommandHandler, no, ok, SELECTED, type Tagged } from '../types.js';

/** COPY and MOVE share this: copy, then (MOVE) expunge the sources and announce it. */
export async function copyOrMove(s: ImapSession, c: RawCommand, move: boolean): Promise<Tagged> {
  const sel = s.selected!;
  const a = new Args(c.args, c.name);
  const uids = resolveUids(sel, a.atom('sequence set'), c.uid).filter((u) => !sel.gone.has(u));
  const folder = fromWire(a.astring('mailbox'));
  a.end();
  if (move && sel.readOnly) return no('mailbox is read-only', 'READ-ONLY');
  if (uids.length === 0) return ok(`${c.name} completed (nothing to do)`);
  let res: Awaited<ReturnType<typeof sel.view.copyTo>>;
  try {
    res = await sel.view.copyTo(uids, folder);
  } catch (e) {
    if (e instanceof MailctlError && e.code === 'not-found') return no(`no mailbox ${folder}`, 'TRYCREATE');
    throw e;
  }
  const pairs = [...res.pairs].sort((x, y) => x[0] - y[0]);
  const code = pairs.length
    ? `COPYUID ${res.uidValidity} ${formatSet(pairs.map((p) => p[0]))} ${formatSet(pairs.map((p) => p[1]))}`
    : undefined;
  if (!move) return ok(`${c.name} completed`, code);
  if (code) s.send(`* OK [${code}] moved`);
  const removed = await sel.view.expunge(uids);
  sel.announceExpunged(s, removed);
  return ok(`${c.name} completed`);
}

export const copy: CommandHandler = {
  name: 'COPY',
  states: SELECTED,
  uid: true,
  run: (s, c) => copyOrMove(s, c, false),
};
