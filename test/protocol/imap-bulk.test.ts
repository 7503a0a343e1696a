/**
 * Bulk FETCH against the real daemon: every body byte-exact across output batches (small
 * messages coalesced, ones bigger than the read scratch, files dropped in by another MDA
 * with bare LF or with a size in the name that is wrong), and the FLAGS fast path.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawImap, tagged } from '../helpers/imap-raw.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon({ only: ['imap'] });
});
after(async () => {
  await d.stop();
});

function message(i: number, size: number): string {
  const head = `From: a@example.test\r\nTo: alice@example.test\r\nSubject: bulk ${i}\r\n\r\n`;
  const line = `${String(i).padStart(6, '0')} ${'abcdefghijklmnopqrstuvwxyz'.repeat(2)}\r\n`;
  return head + line.repeat(Math.max(1, Math.ceil((size - head.length) / line.length)));
}

function findMaildir(root: string): string {
  for (const e of readdirSync(root)) {
    const p = join(root, e);
    if (!statSync(p).isDirectory()) continue;
    if (e === 'Maildir') return p;
    const r = findMaildir(p);
    if (r) return r;
  }
  return '';
}

/** `* n FETCH (…BODY[] {len}\r\n<bytes>…)` → n and the literal's bytes. */
function literalOf(line: string): { seq: number; body: string; rest: string } {
  const m = /^\* (\d+) FETCH \((?:UID \d+ )?BODY\[\] \{(\d+)\}\r\n/.exec(line);
  assert.ok(m, line.slice(0, 80));
  const start = m[0].length;
  const len = Number(m[2]);
  return { seq: Number(m[1]), body: line.slice(start, start + len), rest: line.slice(start + len) };
}

describe('bulk FETCH', () => {
  it('sends every body byte for byte, in order, across batches and odd files', async () => {
    const { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
    assert.match(tagged(await c.cmd('l', 'LOGIN alice@example.test alice-password-1')), /^OK/);
    const want: string[] = [];
    // 2–20 KB like real mail, then one above the 64 KiB by-reference line and one above
    // the 256 KiB read scratch.
    const sizes = [
      ...Array.from({ length: 120 }, (_, i) => 2000 + ((i * 7919) % 18000)),
      100_000,
      300_000,
      5000,
    ];
    for (const [i, size] of sizes.entries()) {
      const m = message(i, size);
      want.push(m);
      assert.match(tagged(await c.cmd(`a${i}`, `APPEND INBOX {${m.length}+}\r\n${m}`)), /^OK/);
    }
    // Another MDA's files: bare LF without S=, and an S= that is smaller than the file.
    const cur = join(findMaildir(join(d.dir, 'data')), 'cur');
    const lf = message(900, 3000);
    writeFileSync(join(cur, '1700000000.M1P1.other:2,'), lf.replace(/\r\n/g, '\n'));
    want.push(lf);
    const lying = message(901, 4000);
    writeFileSync(join(cur, `1700000001.M2P1.other,S=100,W=100:2,`), lying);
    want.push(lying);

    assert.match(tagged(await c.cmd('s', 'SELECT INBOX')), /^OK/);
    const r = await c.cmd('f', 'FETCH 1:* BODY.PEEK[]');
    assert.match(tagged(r), /^OK/);
    const got = r.slice(0, -1).map(literalOf);
    assert.equal(got.length, want.length);
    for (const [i, g] of got.entries()) {
      assert.equal(g.seq, i + 1);
      assert.equal(g.rest, ')');
      assert.equal(g.body.length, want[i].length, `message ${i + 1}: length`);
      assert.ok(g.body === want[i], `message ${i + 1}: bytes differ`);
    }
    await c.close();
  });

  it('UID FETCH 1:* (FLAGS) lines, and FLAGS added after a FETCH that sets \\Seen', async () => {
    const { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
    assert.match(tagged(await c.cmd('l', 'LOGIN alice@example.test alice-password-1')), /^OK/);
    assert.match(tagged(await c.cmd('s', 'SELECT INBOX')), /^OK/);
    assert.match(tagged(await c.cmd('st', 'STORE 2 +FLAGS (\\Flagged $Work)')), /^OK/);
    const seen = await c.cmd('b', 'UID FETCH 3 (BODY[])');
    const one = literalOf(seen[0]);
    assert.equal(one.seq, 3);
    assert.match(seen[0], /^\* 3 FETCH \(UID 3 BODY\[\] \{\d+\}\r\n/);
    assert.equal(one.rest, ' FLAGS (\\Seen))');
    const r = await c.cmd('f', 'UID FETCH 1:* (FLAGS)');
    assert.match(tagged(r), /^OK/);
    const lines = r.slice(0, -1);
    assert.equal(lines.length, 125);
    for (const [i, l] of lines.entries())
      assert.match(l, new RegExp(`^\\* ${i + 1} FETCH \\(UID ${i + 1} FLAGS \\(`));
    assert.equal(lines[0], '* 1 FETCH (UID 1 FLAGS ())');
    assert.equal(lines[1], '* 2 FETCH (UID 2 FLAGS (\\Flagged $Work))');
    assert.equal(lines[2], '* 3 FETCH (UID 3 FLAGS (\\Seen))');
    const m = await c.cmd('m', 'FETCH 2:3 (FLAGS UID MODSEQ RFC822.SIZE)');
    assert.match(m[0], /^\* 2 FETCH \(FLAGS \(\\Flagged \$Work\) UID 2 MODSEQ \(\d+\) RFC822\.SIZE \d+\)$/);
    await c.close();
  });
});
