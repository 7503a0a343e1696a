/** FETCH / UID FETCH (RFC 3501 6.4.5), with CONDSTORE's CHANGEDSINCE modifier and MODSEQ item. */
import { Args, parseNumber } from '../../../proto/imap/args.js';
import { parseFetchAtts, setsSeen } from '../../../proto/imap/fetch-atts.js';
import { runFetch } from '../fetch.js';
import { resolveUids } from '../sets.js';
import { bad, type CommandHandler, ok, SELECTED } from '../types.js';

export const fetch: CommandHandler = {
  name: 'FETCH',
  states: SELECTED,
  uid: true,
  async run(s, c) {
    const sel = s.selected!;
    const a = new Args(c.args, 'FETCH');
    let uids = resolveUids(sel, a.atom('sequence set'), c.uid);
    const atts = parseFetchAtts(a.next('fetch attributes'));
    const mods = a.optionalList();
    a.end();
    let changedSince: number | undefined;
    if (mods) {
      for (let i = 0; i < mods.length; i += 2) {
        const k = mods[i];
        const v = mods[i + 1];
        if (k.type !== 'atom' || k.value.toUpperCase() !== 'CHANGEDSINCE' || v?.type !== 'atom')
          return bad('unknown FETCH modifier');
        changedSince = parseNumber(v.value, 'CHANGEDSINCE');
      }
      s.condstore = true;
    }
    if (atts.some((x) => x.kind === 'simple' && x.name === 'MODSEQ')) s.condstore = true;
    if (changedSince !== undefined) {
      const since = changedSince;
      uids = uids.filter((u) => (sel.meta(u)?.modseq ?? 0) > since);
    }
    let flagsFor: Set<number> | undefined;
    if (setsSeen(atts) && !sel.readOnly) {
      const unseen = uids.filter((u) => {
        const m = sel.meta(u);
        return m && !m.flags.includes('\\Seen');
      });
      if (unseen.length) {
        const changed = await sel.view.setFlags(unseen, 'add', ['\\Seen']);
        for (const m of changed) sel.noteReported(m);
        flagsFor = new Set(unseen);
        // Re-read so the FLAGS we send include \Seen; EXPUNGE stays withheld during FETCH.
        sel.dirty = true;
        await sel.sync(s, { expunge: false });
      }
    }
    await runFetch(s, sel, uids, {
      atts,
      uid: c.uid,
      modseq: s.condstore && changedSince !== undefined,
      flagsFor,
    });
    return ok('FETCH completed');
  },
};
