/** The IMAP output queue: order kept, small pieces coalesced, big ones by reference unless transient. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { OutQueue } from '../../src/server/imap/out.js';

describe('OutQueue', () => {
  test('a tagged reply is one small chunk', () => {
    const q = new OutQueue();
    q.text('* 3 EXISTS\r\n');
    q.text('a OK done\r\n');
    assert.equal(q.length, 23);
    const out = q.take();
    assert.equal(out.length, 1);
    assert.equal(out[0].toString('latin1'), '* 3 EXISTS\r\na OK done\r\n');
    assert.equal(q.length, 0);
    assert.deepEqual(q.take(), []);
  });

  test('big buffers go by reference, transient ones are copied', () => {
    const q = new OutQueue();
    const big = Buffer.alloc(100_000, 0x41);
    q.text('x ');
    q.bytes(big);
    q.text(' y');
    const out = q.take();
    assert.equal(out.length, 3);
    assert.equal(out[1], big, 'same Buffer, not a copy');
    const scratch = Buffer.alloc(100_000, 0x42);
    q.bytes(scratch, true);
    scratch.fill(0x43); // the reader reuses its scratch: what was queued must not change
    const copied = Buffer.concat(q.take());
    assert.equal(copied.length, 100_000);
    assert.ok(copied.every((b) => b === 0x42));
  });

  test('any mix of text and bytes comes out in order, byte for byte', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 300 }).map((s) => ({ t: Buffer.from(s, 'latin1').toString('latin1') })),
      fc.uint8Array({ maxLength: 200_000 }).map((b) => ({ b: Buffer.from(b), transient: false })),
      fc.uint8Array({ maxLength: 70_000 }).map((b) => ({ b: Buffer.from(b), transient: true })),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const q = new OutQueue();
        const want: Buffer[] = [];
        for (const p of pieces) {
          if ('t' in p) {
            q.text(p.t);
            want.push(Buffer.from(p.t, 'latin1'));
          } else {
            q.bytes(p.b, p.transient);
            want.push(Buffer.from(p.b));
          }
        }
        const total = want.reduce((n, b) => n + b.length, 0);
        assert.equal(q.length, total);
        assert.deepEqual(Buffer.concat(q.take()), Buffer.concat(want));
      }),
      { numRuns: 60 },
    );
  });
});
