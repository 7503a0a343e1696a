/**
 * The benchmark mailbox: N deterministic messages (~10 KB average, 2–18 KB; every 10th
 * multipart with a base64 attachment; every 100th contains the SEARCH needle), written
 * into a Maildir++ INBOX through mailctl's store so Dovecot and mailctl serve the same files.
 */
import { Readable } from 'node:stream';
import { MaildirStore } from '../../src/store/maildir/store.js';

export const NEEDLE = 'zebrafish';

const WORDS =
  'the of and to in is for on that with as this by from at server mail message user folder delivery storage network backup report meeting schedule project budget review'.split(
    ' ',
  );

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

export function message(i: number): Buffer {
  const r = rng(i * 2654435761);
  const size = 2000 + Math.floor(r() * 16000);
  const lines: string[] = [];
  let len = 0;
  while (len < size) {
    const words: string[] = [];
    for (let w = 0; w < 12; w++) words.push(WORDS[Math.floor(r() * WORDS.length)]);
    const l = words.join(' ');
    lines.push(l);
    len += l.length + 2;
  }
  if (i % 100 === 7) lines.splice(Math.floor(lines.length / 2), 0, `the ${NEEDLE} is in this one`);
  const date = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toUTCString().replace('GMT', '+0000');
  const head = `From: User ${i % 50} <user${i % 50}@example.test>\r\nTo: alice@example.test\r\nSubject: Message number ${i} about ${WORDS[i % WORDS.length]}\r\nDate: ${date}\r\nMessage-ID: <bench-${i}@example.test>\r\nMIME-Version: 1.0\r\n`;
  if (i % 10 === 3) {
    const att = Buffer.alloc(1500, i % 256)
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    return Buffer.from(
      `${head}Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${lines.join('\r\n')}\r\n--b${i}\r\nContent-Type: application/octet-stream; name="a${i}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${att}\r\n--b${i}--\r\n`,
    );
  }
  return Buffer.from(`${head}Content-Type: text/plain; charset=utf-8\r\n\r\n${lines.join('\r\n')}\r\n`);
}

/** Writes `count` messages into user's INBOX (fsync off: this is setup, not the measurement). */
export async function writeCorpus(mailRoot: string, user: string, count: number): Promise<number> {
  const store = new MaildirStore({ mailRoot, fsync: false, quotaLimit: async () => 0 });
  await store.ensureUser(user);
  let bytes = 0;
  for (let i = 1; i <= count; i++) {
    const m = message(i);
    bytes += m.length;
    await store.deliver([{ user, folder: 'INBOX' }], Readable.from([m]), {
      source: 'migrate',
      flags: i % 3 === 0 ? ['\\Seen'] : [],
      internalDate: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000),
    });
  }
  return bytes;
}
