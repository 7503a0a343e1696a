/**
 * The faster ensureLinebreaks (src/server/smtp/mailauth-patch.ts) yields exactly what
 * mailauth's own does, chunk for chunk, over random inputs split at random points.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ensureLinebreaks, originalEnsureLinebreaks } from '../../src/server/smtp/mailauth-patch.js';

type Gen = (this: { lastByte?: number }, input: Buffer) => Generator<Buffer>;

function run(gen: Gen, chunks: Buffer[]): string[] {
  const self: { lastByte?: number } = {};
  const out: string[] = [];
  for (const c of chunks) for (const b of gen.call(self, c)) out.push(b.toString('latin1'));
  return out;
}

const original = originalEnsureLinebreaks() as Gen | undefined;

describe('mailauth ensureLinebreaks replacement', () => {
  it('is taken before the patch is installed', () => {
    assert.equal(typeof original, 'function');
  });

  it('matches the original on hand-picked inputs', () => {
    const cases = [
      ['a\nb'],
      ['a\r\nb\n'],
      ['\n\n\n'],
      ['a\r', '\nb'],
      ['a\r\n\nb'],
      ['a\r', '\n', '\n', 'x\n'],
      ['', 'a', '\n'],
      ['\r\n\r\n', 'body\n.\n'],
    ];
    for (const c of cases) {
      const chunks = c.map((s) => Buffer.from(s, 'latin1'));
      assert.deepEqual(run(ensureLinebreaks, chunks), run(original as Gen, chunks), JSON.stringify(c));
    }
  });

  it('matches the original on random inputs and chunkings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(0x0a, 0x0d, 0x61, 0x20), { maxLength: 40 }), { maxLength: 8 }),
        (parts) => {
          const chunks = parts.map((p) => Buffer.from(p));
          assert.deepEqual(run(ensureLinebreaks, chunks), run(original as Gen, chunks));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
