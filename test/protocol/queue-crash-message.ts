/** The deterministic message number n of the crash test (1–60 KB, content derived from n). */
import { createHash } from 'node:crypto';

export function crashMessage(n: number): Buffer {
  const size = 1000 + ((n * 7919) % 60_000);
  const line = createHash('sha256').update(String(n)).digest('hex');
  const head = `X-Seq: ${n}\r\nSubject: crash ${n}\r\n\r\n`;
  let body = '';
  while (body.length < size) body += `${line}\r\n`;
  return Buffer.from(head + body.slice(0, size));
}
