/** SEARCH / UID SEARCH (RFC 3501 6.4.4), CHARSET UTF-8/US-ASCII/ISO-2022-JP, CONDSTORE MODSEQ. */
import { keyNeedsContent, keyUsesModseq, parseSearch } from '../../../proto/imap/search.js';
import { MessageText, matchKey } from '../../../proto/imap/search-match.js';
import { MessageReader } from '../reader.js';
import { type CommandHandler, ok, SELECTED } from '../types.js';

export const search: CommandHandler = {
  name: 'SEARCH',
  states: SELECTED,
  uid: true,
  async run(s, c) {
    const sel = s.selected!;
    const { key } = parseSearch(c.args);
    const content = keyNeedsContent(key);
    const modseq = keyUsesModseq(key);
    if (modseq) s.condstore = true;
    const scope = { maxSeq: sel.uids.length, maxUid: sel.uids[sel.uids.length - 1] ?? 0 };
    const hits: number[] = [];
    let maxModseq = 0;
    const uids = sel.uids;
    const reader = new MessageReader(sel.view, uids);
    for (let i = 0; i < uids.length; i++) {
      const uid = uids[i];
      const m = sel.meta(uid);
      if (!m) continue;
      let text: MessageText | undefined;
      if (content) {
        const buf = await reader.get(i);
        if (!buf) continue;
        text = new MessageText(buf);
      }
      const msg = {
        seq: i + 1,
        uid,
        flags: m.flags,
        internalDate: m.internalDate,
        size: m.size,
        modseq: m.modseq,
        recent: sel.isRecent(uid),
      };
      if (matchKey(key, msg, scope, text)) {
        hits.push(c.uid ? uid : i + 1);
        if (m.modseq > maxModseq) maxModseq = m.modseq;
      }
    }
    const tail = modseq && hits.length ? ` (MODSEQ ${maxModseq})` : '';
    s.send(`* SEARCH${hits.length ? ` ${hits.join(' ')}` : ''}${tail}`);
    return ok('SEARCH completed');
  },
};
