/**
 * Group commit for the spool's metadata. better-sqlite3 commits synchronously, and with
 * synchronous=FULL every commit is an fsync of the WAL on the event loop. Enqueues that
 * finish their segment write in the same loop turn are committed together: one
 * transaction (one fsync), each enqueue in its own savepoint so one failure does not
 * sink the others. Every caller still resolves only after its rows are durable.
 */
import type Database from 'better-sqlite3';

interface Item {
  work: () => void;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  private pending: Item[] = [];
  private scheduled = false;

  constructor(private readonly db: Database.Database) {}

  run(work: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ work, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0);
    const failed = new Map<Item, unknown>();
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            this.db.transaction(item.work)(); // nested: a savepoint
          } catch (e) {
            failed.set(item, e);
          }
        }
      })();
    } catch (e) {
      for (const item of batch) item.reject(e);
      return;
    }
    for (const item of batch) {
      if (failed.has(item)) item.reject(failed.get(item));
      else item.resolve();
    }
  }
}
