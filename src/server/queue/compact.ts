/**
 * Compaction of the spool's segment files. A segment is reused only when every message in
 * it is gone, so one long-deferred message could pin a whole segment. When less than half
 * of a full segment is still live, its live messages are copied to the end of an open
 * segment (fdatasync), their rows re-pointed in one transaction, and the segment recycled.
 * Until that commit the old copy is the valid one; after it, the new one — kill -9 at any
 * moment leaves exactly one live copy of each message.
 */
import { buffer } from 'node:stream/consumers';
import type { MessageRow, Spool } from './spool.js';

export interface CompactResult {
  segments: number;
  messages: number;
  bytes: number;
}

/** Compacts sparse full segments; messages in `busy` (being delivered) are left alone. */
export async function compact(
  spool: Spool,
  busy: ReadonlySet<string> = new Set(),
  threshold = 0.5,
): Promise<CompactResult> {
  const out: CompactResult = { segments: 0, messages: 0, bytes: 0 };
  if (!spool.writable) return out;
  const liveBytes = spool.db.prepare('SELECT coalesce(sum(len), 0) FROM messages WHERE seg = ?').pluck();
  const rowsIn = spool.db.prepare('SELECT * FROM messages WHERE seg = ?');
  const move = spool.db.prepare('UPDATE messages SET seg = ?, off = ? WHERE id = ? AND seg = ? AND off = ?');
  for (const seg of spool.segments.fullSegments()) {
    const live = liveBytes.get(seg.id) as number;
    if (live === 0 || live >= seg.end * threshold) continue;
    const rows = rowsIn.all(seg.id) as MessageRow[];
    if (rows.some((r) => busy.has(r.id))) continue;
    for (const r of rows) {
      // Messages are small relative to a segment's cap; a 50 MB one is copied in one piece.
      const bytes = await buffer(spool.read(r));
      const w = await spool.segments.append([bytes]);
      let ok = false;
      try {
        // Only if the row still points at the old copy (`mailctl queue delete` may have run).
        ok = move.run(w.seg, w.off, r.id, r.seg, r.off).changes === 1;
      } finally {
        spool.segments.release(w, ok);
      }
      if (ok) {
        out.messages++;
        out.bytes += w.len;
      }
    }
    if (spool.segments.recycle(seg.id) > 0) out.segments++;
  }
  return out;
}
