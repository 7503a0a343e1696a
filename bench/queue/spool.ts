/**
 * The outbound spool's write path against the obvious alternative, on this disk, in the
 * same run, interleaved (A B A B …):
 *   segments — our Spool: append to a reusable segment file + fdatasync, SQLite row (WAL, FULL);
 *   files    — one file per message: write tmp file + fsync, rename into the queue dir,
 *              fsync the dir, the same SQLite row (same group commit); delivery unlinks the file.
 * Each round enqueues N messages with C concurrent writers, then removes them all (as
 * delivery would) — so from the second round on, the file-per-message design creates its
 * files right after deleting N files, which is what a busy queue does all day.
 *
 *   npx tsx bench/queue/spool.ts [--messages 5000] [--size 10240] [--concurrency 20] [--rounds 4]
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { GroupCommit } from '../../src/server/queue/group-commit.js';
import { Spool } from '../../src/server/queue/spool.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    size: { type: 'string', default: '10240' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '4' },
    dir: { type: 'string', default: '/var/tmp/mailctl-bench-queue' },
  },
});
const N = Number(values.messages);
const SIZE = Number(values.size);
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const root = `${values.dir}-${process.pid}`;
const lines = (
  randomBytes(SIZE)
    .toString('base64')
    .match(/.{1,76}/g) ?? []
).join('\r\n');
const body = Buffer.from(`Subject: bench\r\n\r\n${lines}`.slice(0, SIZE));

async function pool(n: number, c: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

/** A file-per-message spool with the same SQLite metadata, for comparison. */
class FileSpool {
  db: Database.Database;
  commits: GroupCommit;
  n = 0;
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    mkdirSync(join(dir, 'msg'), { recursive: true });
    this.db = new Database(join(dir, 'queue.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS m (id TEXT PRIMARY KEY, len INTEGER)');
    this.commits = new GroupCommit(this.db);
  }
  async enqueue(buf: Buffer): Promise<string> {
    const id = `${process.pid}.${this.n++}.${randomBytes(4).toString('hex')}`;
    const tmp = join(this.dir, 'tmp', id);
    const fh = await open(tmp, 'wx');
    await fh.write(buf);
    await fh.sync();
    await fh.close();
    renameSync(tmp, join(this.dir, 'msg', id));
    const d = openSync(join(this.dir, 'msg'), 'r');
    fsyncSync(d);
    closeSync(d);
    await this.commits.run(() => this.db.prepare('INSERT INTO m VALUES (?, ?)').run(id, buf.length));
    return id;
  }
  remove(id: string): void {
    unlinkSync(join(this.dir, 'msg', id));
    this.db.prepare('DELETE FROM m WHERE id = ?').run(id);
  }
}

async function round(s: Spool | FileSpool): Promise<number> {
  const ids: string[] = new Array(N);
  const t0 = process.hrtime.bigint();
  await pool(N, C, async (i) => {
    ids[i] =
      s instanceof Spool
        ? (await s.enqueue({ sender: 'a@x.test', recipients: ['b@y.test'] }, Readable.from([body]))).id
        : await s.enqueue(body);
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const id of ids) s instanceof Spool ? await s.remove(id) : s.remove(id);
  return N / secs;
}

const seg = new Spool(join(root, 'segments'));
const files = new FileSpool(join(root, 'files'));
const rates: Record<string, number[]> = { segments: [], files: [] };
console.log(`messages=${N} size=${SIZE} concurrency=${C} rounds=${ROUNDS} dir=${root}`);
for (let r = 0; r < ROUNDS; r++) {
  for (const kind of r % 2 === 0 ? (['segments', 'files'] as const) : (['files', 'segments'] as const)) {
    const rate = await round(kind === 'segments' ? seg : files);
    rates[kind].push(rate);
    console.log(`round ${r + 1} ${kind.padEnd(8)} ${rate.toFixed(0)} msg/s`);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const later = (a: number[]) => a.slice(1);
console.log(
  `median all rounds: segments ${median(rates.segments).toFixed(0)} msg/s, files ${median(rates.files).toFixed(0)} msg/s, ratio ${(median(rates.segments) / median(rates.files)).toFixed(2)}`,
);
console.log(
  `median rounds 2+ (after deletes): segments ${median(later(rates.segments)).toFixed(0)}, files ${median(later(rates.files)).toFixed(0)}, ratio ${(median(later(rates.segments)) / median(later(rates.files))).toFixed(2)}`,
);
await seg.close();
files.db.close();
// Moved aside rather than deleted, so the next benchmark on this disk is not slowed (see TESTING.md).
renameSync(root, `${root}.done`);
