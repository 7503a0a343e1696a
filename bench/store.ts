/**
 * Store micro-benchmark: deliveries/s into one Maildir (c concurrent writers, fsync on),
 * then FLAGS of all messages through a fresh view and a refreshed one.
 *   node --import tsx bench/store.ts [messages=10000] [concurrency=20] [sizeKiB=10]
 */
import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MaildirStore } from '../src/store/maildir/store.js';

const n = Number(process.argv[2] ?? 10_000);
const c = Number(process.argv[3] ?? 20);
const size = Number(process.argv[4] ?? 10) * 1024;
const dir = mkdtempSync(join(tmpdir(), 'mailctl-bench-store-'));
const store = new MaildirStore({ mailRoot: join(dir, 'mail'), fsync: true, quotaLimit: async () => 0 });
const ref = { user: 'bench@example.test', folder: 'INBOX' };
const line = `${'x'.repeat(76)}\r\n`;
const body = Buffer.from(
  `Subject: bench\r\n\r\n${line.repeat(Math.ceil(size / line.length))}`.slice(0, size),
);

await store.ensureUser(ref.user);
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: c }, async () => {
    while (next < n) {
      next++;
      await store.deliver([ref], Readable.from([body]), { source: 'smtp' });
    }
  }),
);
const secs = (performance.now() - t0) / 1000;
console.log(
  `deliver: ${n} × ${size} B, c=${c}, fsync on: ${(n / secs).toFixed(0)} msg/s (${secs.toFixed(2)} s)`,
);

// Fresh process state: a new store object sees the folder cold.
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
const times: number[] = [];
for (let i = 0; i < 5; i++) {
  t = performance.now();
  await view.refresh();
  flagsOf();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(
  `cold open (scan ${view.messages().length} files): ${openMs.toFixed(1)} ms; FLAGS of all: ${flagsMs.toFixed(1)} ms; refresh+FLAGS (median of 5): ${times[2].toFixed(2)} ms`,
);
renameSync(dir, `${dir}-done`); // moved aside, not deleted (see TESTING.md on delete slowdowns)
console.log(`data left in ${dir}-done`);
