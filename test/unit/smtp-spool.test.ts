import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { MEMORY_LIMIT, Spool } from '../../src/server/smtp/spool.js';
import { tempDir } from '../helpers/tmp.js';

async function spoolOf(chunks: (string | Buffer)[], max = 1e9, dir = '/nonexistent') {
  const s = new Spool(dir, max);
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), s);
  return s;
}

async function text(s: Spool): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s.stream()) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('latin1');
}

describe('Spool', () => {
  const cases: [string, string[], string][] = [
    ['keeps CRLF', ['a\r\nb\r\n'], 'a\r\nb\r\n'],
    ['bare LF becomes CRLF', ['a\nb\n'], 'a\r\nb\r\n'],
    ['CR at a chunk end, LF at the next start', ['a\r', '\nb\r\n'], 'a\r\nb\r\n'],
    ['LF at a chunk start after plain text', ['a', '\nb'], 'a\r\nb'],
    ['mixed', ['x\r\ny\nz\r', '\n'], 'x\r\ny\r\nz\r\n'],
  ];
  for (const [name, chunks, want] of cases) {
    it(name, async () => {
      const s = await spoolOf(chunks);
      assert.equal(await text(s), want);
      assert.equal(s.size, want.length);
    });
  }

  it('keeps the header block for header checks', async () => {
    const s = await spoolOf(['From: a@b.test\r\nSubject: x\r\n', '\r\nbody From: not@this.test\r\n']);
    assert.equal(s.head(), 'From: a@b.test\r\nSubject: x\r\n');
  });

  it('reads everything past the limit but keeps nothing', async () => {
    const s = await spoolOf(['x'.repeat(100), 'y'.repeat(100)], 150);
    assert.equal(s.oversized, true);
    assert.equal(s.size, 200);
  });

  it('spills to a file past the memory limit, can be read twice, and disposes the file', async () => {
    const tmp = tempDir();
    try {
      const big = 'z'.repeat(MEMORY_LIMIT + 10);
      const s = await spoolOf(['head\r\n\r\n', big], 1e9, join(tmp.path, 'in'));
      assert.equal(readdirSync(join(tmp.path, 'in')).length, 1);
      assert.equal((await text(s)).length, big.length + 8);
      assert.equal((await text(s)).length, big.length + 8);
      await s.dispose();
      assert.deepEqual(readdirSync(join(tmp.path, 'in')), []);
    } finally {
      tmp.cleanup();
    }
    assert.ok(!existsSync('/nonexistent'));
  });
});
