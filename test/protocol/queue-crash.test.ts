/**
 * kill -9 while the spool is being written: every message whose enqueue resolved (the 250
 * moment) must be there after restart, byte for byte; nothing may be half-stored; and
 * segments are reused across restarts (rows removed between rounds free their bytes).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { compact } from '../../src/server/queue/compact.js';
import { Spool } from '../../src/server/queue/spool.js';
import { tempDir } from '../helpers/tmp.js';
import { crashMessage } from './queue-crash-message.js';

const tmp = tempDir('mailctl-queue-crash-');
after(() => tmp.cleanup());

/** Runs the child until it has acknowledged `killAfter` messages, then SIGKILLs it mid-flight. */
async function runAndKill(dir: string, startSeq: number, killAfter: number): Promise<Map<number, string>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'queue-crash-child.ts'), dir, String(startSeq)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acked = new Map<number, string>();
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  let rest = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      rest += d.toString();
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const [, n, id] = l.split(' ');
        acked.set(Number(n), id);
      }
      if (acked.size >= killAfter) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await exited;
  return acked;
}

test('kill -9 during spool writes: nothing acknowledged is lost, nothing is torn', async () => {
  const dir = join(tmp.path, 'queue');
  const expected = new Map<string, number>(); // id → seq, of acknowledged messages still queued
  let seq = 0;
  let rowsSeen = 0;
  let peakLive = 0;
  let moved = 0;
  for (let round = 0; round < 4; round++) {
    const acked = await runAndKill(dir, seq, 150 + round * 37);
    for (const [n, id] of acked) expected.set(id, n);
    seq += 100_000; // each round numbers its messages apart
    const spool = new Spool(dir, { segmentCap: 256 * 1024 });
    try {
      const rows = await spool.list();
      const ids = new Set(rows.map((r) => r.id));
      for (const [id, n] of expected)
        assert.ok(ids.has(id), `acknowledged message ${n} (${id}) lost in round ${round}`);
      // Every stored row — acknowledged or committed just before the kill — is intact.
      for (const r of rows) {
        const bytes = await buffer(spool.read(spool.row(r.id)!));
        const n = Number(/^X-Seq: (\d+)/.exec(bytes.toString('latin1'))?.[1]);
        assert.ok(bytes.equals(crashMessage(n)), `message ${r.id} is torn`);
        assert.deepEqual(
          r.recipients.map((x) => x.address),
          [`r${n}@y.test`],
        );
      }
      rowsSeen += rows.length;
      peakLive = Math.max(
        peakLive,
        rows.reduce((a, r) => a + r.size, 0),
      );
      // Deliver (remove) two thirds, so the next round reuses their segment bytes.
      for (const [i, r] of rows.entries()) {
        if (i % 3 !== 0) {
          await spool.remove(r.id);
          expected.delete(r.id);
        }
      }
      // What the runner does every few seconds: move survivors out of sparse segments.
      moved += (await compact(spool)).messages;
    } finally {
      await spool.close();
    }
  }
  const segs = readdirSync(dir).filter((f) => f.endsWith('.dat'));
  const onDisk = segs.reduce((a, f) => a + statSync(join(dir, f)).size, 0);
  assert.ok(rowsSeen > 500, `rows checked: ${rowsSeen}`);
  // Files are never deleted, so their total is a high-water mark: reuse + compaction keep it
  // within twice the most ever queued at once, plus the 8 writers' open segments.
  const bound = 2 * peakLive + 8 * (256 * 1024 + 61_000);
  assert.ok(
    onDisk <= bound,
    `segments hold ${onDisk} bytes, peak live ${peakLive} (bound ${bound}), ${segs.length} files`,
  );
  assert.ok(moved > 0, 'compaction moved survivors out of sparse segments');
});
