/**
 * Child process for queue-crash.test.ts: enqueues deterministic messages into the spool at
 * argv[2] with 8 writers at once and prints "ACK <seq> <id>" only after enqueue resolved
 * (the moment SMTP would say 250). The parent kills it with SIGKILL at a random moment.
 */
import { writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Spool } from '../../src/server/queue/spool.js';
import { crashMessage } from './queue-crash-message.js';

const spool = new Spool(process.argv[2], { segmentCap: 256 * 1024 });
let seq = Number(process.argv[3] ?? 0);

async function writer(): Promise<void> {
  for (;;) {
    const n = seq++;
    const body = crashMessage(n);
    // Several chunks, so a kill can land between writes of one message.
    const chunks = [body.subarray(0, 100), body.subarray(100, 5000), body.subarray(5000)];
    const { id } = await spool.enqueue(
      { sender: 'a@x.test', recipients: [`r${n}@y.test`] },
      Readable.from(chunks),
    );
    writeSync(1, `ACK ${n} ${id}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, writer));
