/**
 * Reads message bytes for bulk FETCH and SEARCH in sequence order. When the store offers
 * readAllSync (page-cache reads are 5–8× cheaper than fs.promises.readFile here), it reads
 * synchronously and yields to the event loop every few messages so other sessions keep
 * being served; otherwise it keeps a few async reads in flight ahead of the consumer.
 */
import type { MailboxView } from '../../store/store.js';

const READ_AHEAD = 8;
const SYNC_BATCH = 16;

export class MessageReader {
  private reads: (Promise<Buffer | undefined> | undefined)[] = [];
  private sinceYield = 0;

  constructor(
    private readonly view: MailboxView,
    private readonly uids: readonly number[],
  ) {}

  /** The bytes of uids[i]; undefined when the message is gone. Call with increasing i. */
  async get(i: number): Promise<Buffer | undefined> {
    const uid = this.uids[i];
    if (this.view.readAllSync) {
      if (++this.sinceYield >= SYNC_BATCH) {
        this.sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
      try {
        return this.view.readAllSync(uid);
      } catch {
        return undefined;
      }
    }
    for (let j = i; j < Math.min(this.uids.length, i + READ_AHEAD); j++) {
      this.reads[j] ??= this.view.readAll(this.uids[j]).catch(() => undefined);
    }
    const r = await this.reads[i];
    this.reads[i] = undefined;
    return r;
  }
}
