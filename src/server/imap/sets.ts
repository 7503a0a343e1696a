/** Turns a command's sequence set or UID set into the UIDs it names, in sequence order. */
import { parseSequenceSet, resolveSet } from '../../proto/imap/args.js';
import { ImapParseError } from '../../proto/imap/tokens.js';
import type { Selected } from './selected.js';

const STAR = Number.POSITIVE_INFINITY;

export function resolveUids(sel: Selected, setText: string, uid: boolean): number[] {
  const set = parseSequenceSet(setText);
  const n = sel.uids.length;
  if (!uid) {
    for (const [a, b] of set) {
      if ((a !== STAR && a > n) || (b !== STAR && b > n))
        throw new ImapParseError(`invalid message sequence number (mailbox has ${n} messages)`);
    }
    if (n === 0) return [];
    const out: number[] = [];
    const ranges = resolveSet(set, n).sort((x, y) => x[0] - y[0]);
    let lastEnd = 0;
    for (const [a, b] of ranges) {
      for (let seq = Math.max(a, lastEnd + 1); seq <= b; seq++) out.push(sel.uids[seq - 1]);
      lastEnd = Math.max(lastEnd, b);
    }
    return out;
  }
  if (n === 0) return [];
  const maxUid = sel.uids[n - 1];
  const ranges = resolveSet(set, maxUid);
  const out: number[] = [];
  if (ranges.length === 1) {
    const [a, b] = ranges[0];
    // Binary search the start: "UID FETCH 9990:*" on a big mailbox should not scan it all.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sel.uids[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < n && sel.uids[i] <= b; i++) out.push(sel.uids[i]);
    return out;
  }
  for (const u of sel.uids) {
    for (const [a, b] of ranges) {
      if (u >= a && u <= b) {
        out.push(u);
        break;
      }
    }
  }
  return out;
}
