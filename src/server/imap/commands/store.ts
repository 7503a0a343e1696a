/** STORE / UID STORE (RFC 3501 6.4.6), with CONDSTORE's UNCHANGEDSINCE and [MODIFIED]. */
import { Args, formatSet, parseFlags, parseNumber } from '../../../proto/imap/args.js';
import type { FlagOp, MessageMeta } from '../../../store/store.js';
import { resolveUids } from '../sets.js';
import { bad, type CommandHandler, no, ok, SELECTED } from '../types.js';

const OPS: Record<string, FlagOp> = { FLAGS: 'set', '+FLAGS': 'add', '-FLAGS': 'remove' };

export const store: CommandHandler = {
  name: 'STORE',
  states: SELECTED,
  uid: true,
  async run(s, c) {
    const sel = s.selected!;
    const a = new Args(c.args, 'STORE');
    let uids = resolveUids(sel, a.atom('sequence set'), c.uid).filter((u) => !sel.gone.has(u));
    const mods = a.optionalList();
    let unchangedSince: number | undefined;
    if (mods) {
      const [k, v] = mods;
      if (
        mods.length !== 2 ||
        k.type !== 'atom' ||
        k.value.toUpperCase() !== 'UNCHANGEDSINCE' ||
        v.type !== 'atom'
      )
        return bad('unknown STORE modifier');
      unchangedSince = parseNumber(v.value, 'UNCHANGEDSINCE');
      s.condstore = true;
    }
    const item = a.atom('flag operation').toUpperCase();
    const silent = item.endsWith('.SILENT');
    const op = OPS[silent ? item.slice(0, -7) : item];
    if (!op) return bad('expected FLAGS, +FLAGS or -FLAGS');
    const listTok = a.optionalList();
    const rest: typeof c.args = [];
    while (a.remaining) rest.push(a.next('flag'));
    const flags = parseFlags(listTok ?? rest);
    a.end();
    if (sel.readOnly) return no('mailbox is read-only', 'READ-ONLY');
    const modified: number[] = [];
    if (unchangedSince !== undefined) {
      const limit = unchangedSince;
      uids = uids.filter((u) => {
        const m = sel.meta(u);
        if (m && m.modseq > limit) modified.push(u);
        return m && m.modseq <= limit;
      });
    }
    const changed = uids.length ? await sel.view.setFlags(uids, op, flags) : [];
    const byUid = new Map<number, MessageMeta>(changed.map((m) => [m.uid, m]));
    for (const u of uids) {
      const m = byUid.get(u) ?? sel.meta(u);
      if (!m) continue;
      sel.noteReported(m);
      // .SILENT still reports MODSEQ to a CONDSTORE client (RFC 7162 3.2).
      if (!silent || (s.condstore && byUid.has(u))) {
        const items = silent ? [] : [`FLAGS ${sel.flagsOf(m)}`];
        if (c.uid) items.push(`UID ${m.uid}`);
        if (s.condstore) items.push(`MODSEQ (${m.modseq})`);
        s.send(`* ${sel.seqOf(u)} FETCH (${items.join(' ')})`);
      }
      await s.maybeFlush();
    }
    if (modified.length) {
      const set = c.uid ? modified : modified.map((u) => sel.seqOf(u));
      return ok(
        'conditional STORE failed for some messages',
        `MODIFIED ${formatSet(set.sort((x, y) => x - y))}`,
      );
    }
    return ok('STORE completed');
  },
};
