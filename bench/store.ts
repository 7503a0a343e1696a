/**
 * Store micro-benchmark, on this machine, in one run:
 * 1. deliveries/s into one Maildir with fsync on, c concurrent writers, interleaved with a
 *    plain-Node baseline (open, write, fsync, close, rename: the floor for any Maildir
 *    writer without the directory fsync, UIDs or quota); medians of `rounds` runs each;
 * 2. a cold open of the 10,000-message folder (fresh process state: scan + uidlist) and
 *    FLAGS of all messages through the view, then refresh+FLAGS when nothing changed.
 *   node --import tsx bench/store.ts [messages=10000] [concurrency=20] [sizeKiB=10] [rounds=3]
 */
import { promises as fsp, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MaildirStore } from '../src/store/maildir/store.js';

const n = Number(process.argv[2] ?? 10_000);
const c = Number(process.argv[3] ?? 20);
const size = Number(process.argv[4] ?? 10) * 1024;
const rounds = Number(process.argv[5] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'mailctl-bench-store-'));
const ref = { user: 'bench@example.test', folder: 'INBOX' };
const line = `${'x'.repeat(76)}\r\n`;
const body = Buffer.from(
  `Subject: bench\r\n\r\n${line.repeat(Math.ceil(size / line.length))}`.slice(0, size),
);
const perRound = Math.ceil(n / rounds);

async function parallel(count: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const store = new MaildirStore({ mailRoot: join(dir, 'mail'), fsync: true, quotaLimit: async () => 0 });
await store.ensureUser(ref.user);
const ours: number[] = [];
const base: number[] = [];
for (let r = 0; r < rounds; r++) {
  const raw = join(dir, `raw${r}`);
  for (const s of ['tmp', 'new']) mkdirSync(join(raw, s), { recursive: true });
  base.push(
    await parallel(perRound, async (i) => {
      const p = join(raw, 'tmp', `m${i}`);
      const fh = await fsp.open(p, 'wx');
      await fh.write(body);
      await fh.sync();
      await fh.close();
      await fsp.rename(p, join(raw, 'new', `m${i}`));
    }),
  );
  ours.push(
    await parallel(perRound, () =>
      store.deliver([ref], Readable.from([body]), { source: 'smtp' }).then(() => undefined),
    ),
  );
}
console.log(
  `deliver ${size} B, c=${c}, fsync on, ${rounds}×${perRound}: mailctl store ${median(ours).toFixed(0)} msg/s ` +
    `(runs ${ours.map((x) => x.toFixed(0)).join(', ')}); plain create+fsync+rename ${median(base).toFixed(0)} msg/s ` +
    `(runs ${base.map((x) => x.toFixed(0)).join(', ')}); ratio ${(median(ours) / median(base)).toFixed(2)}; load average ${loadavg()[0].toFixed(1)}`,
);

await new Promise((r) => setTimeout(r, 1100)); // let directory mtimes age past the trust window
const cold = new MaildirStore({ mailRoot: join(dir, 'mail'), fsync: true, quotaLimit: async () => 0 });
let t = performance.now();
const view = await cold.open(ref);
const openMs = performance.now() - t;
const flagsOf = () => {
  let k = 0;
  for (const m of view.messages()) k += m.flags.length + m.uid;
  return k;
};
t = performance.now();
flagsOf();
const flagsMs = performance.now() - t;
async function refreshFlags(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await view.refresh();
    flagsOf();
    times.push(performance.now() - t0);
  }
  return median(times);
}
// Right after the open moved every message new/ → cur/ (\Recent), cur/'s mtime is too
// fresh to trust, so refresh re-reads the directory; later a stat is enough.
const fresh = await refreshFlags();
await new Promise((r) => setTimeout(r, 1100));
const settled = await refreshFlags();
console.log(
  `cold open of ${view.messages().length} messages (all in new/, so this includes moving them to cur/): ${openMs.toFixed(1)} ms; ` +
    `FLAGS of all: ${flagsMs.toFixed(1)} ms; refresh + FLAGS of all, nothing changed (median of 5): ` +
    `${settled.toFixed(2)} ms (${fresh.toFixed(1)} ms within 100 ms of a change, when the directory is re-read)`,
);
renameSync(dir, `${dir}-done`); // moved aside, not deleted (TESTING.md: mass deletes slow later creates)
console.log(`data left in ${dir}-done`);
