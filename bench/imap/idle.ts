/** N concurrent IDLE sessions against one mailctl process; RSS before/after, and a wake-up of all. */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** A process's resident set (or its peak, VmHWM) in KiB, from /proc. */
export function rssKiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function idleSession(port: number, user: string, pass: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    let buf = '';
    let step = 0;
    s.setNoDelay(true);
    s.on('error', reject);
    s.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      if (step === 0 && buf.includes('\r\n')) {
        step = 1;
        buf = '';
        s.write(`a LOGIN ${user} ${pass}\r\nb SELECT INBOX\r\nc IDLE\r\n`);
      } else if (step === 1 && buf.includes('+ idling')) {
        step = 2;
        buf = '';
        s.removeAllListeners('data');
        resolve(s);
      } else if (step === 1 && /\r\n[ab] (NO|BAD)/.test(`\r\n${buf}`)) reject(new Error(buf));
    });
  });
}

export async function idleBench(
  port: number,
  pid: number,
  n: number,
  user: string,
  pass: string,
  log: (m: string) => void,
) {
  const warm = await idleSession(port, user, pass);
  warm.destroy();
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssKiB(pid);
  const socks: Socket[] = [];
  const t0 = performance.now();
  const CONCURRENCY = 64;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        next++;
        socks.push(await idleSession(port, user, pass));
        if (socks.length % 1000 === 0)
          log(`idle: ${socks.length} sessions, server RSS ${(rssKiB(pid) / 1024).toFixed(0)} MiB`);
      }
    }),
  );
  const setupMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssKiB(pid);
  // Wake every session with one delivery (APPEND from another connection) and time the last EXISTS.
  const woken = socks.map(
    (s) =>
      new Promise<void>((resolve) => {
        s.on('data', (b: Buffer) => {
          if (b.toString('latin1').includes('EXISTS')) resolve();
        });
      }),
  );
  const w = await idleSession(port, user, pass);
  w.write('DONE\r\n');
  const msg = 'Subject: wake\r\n\r\nup\r\n';
  const t1 = performance.now();
  w.write(`d APPEND INBOX {${msg.length}+}\r\n${msg}\r\n`);
  await Promise.all(woken);
  const wakeMs = performance.now() - t1;
  const peak = rssKiB(pid, 'VmHWM');
  for (const s of socks) s.destroy();
  w.destroy();
  return { sessions: socks.length, before, after, peak, setupMs, wakeMs, concurrency: CONCURRENCY };
}
