import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { Spool } from '../../src/server/queue/spool.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-spool-');
after(() => tmp.cleanup());

const msg = (n: number) => `Subject: m${n}\r\n\r\n${'x'.repeat(n % 97)} body ${n}\r\n`;

test('enqueue stores prepend + body and reads them back exactly', async () => {
  const s = new Spool(`${tmp.path}/a`);
  const { id, size } = await s.enqueue(
    { sender: 'a@x.test', recipients: ['b@y.test', 'b@y.test', 'c@z.test'], prepend: 'Received: x\r\n' },
    Readable.from([Buffer.from(msg(1))]),
  );
  const row = s.row(id)!;
  assert.equal(size, row.len);
  assert.equal(await text(s.read(row)), `Received: x\r\n${msg(1)}`);
  const q = await s.get(id);
  assert.deepEqual(
    q?.recipients.map((r) => r.address),
    ['b@y.test', 'c@z.test'],
  );
  assert.equal(q?.held, false);
  await s.close();
});

test('concurrent enqueues use separate segments; all survive a reopen byte-exact', async () => {
  const dir = `${tmp.path}/b`;
  let s = new Spool(dir);
  const ids = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      s.enqueue(
        { sender: 'a@x.test', recipients: ['b@y.test'] },
        Readable.from([msg(i).slice(0, 10), msg(i).slice(10)]),
      ),
    ),
  );
  await s.close();
  s = new Spool(dir);
  for (const [i, { id }] of ids.entries()) assert.equal(await text(s.read(s.row(id)!)), msg(i));
  assert.ok(s.segments.count <= 50);
  await s.close();
});

test('a failed body stream leaves no row and its bytes are reused', async () => {
  const s = new Spool(`${tmp.path}/c`);
  const bad = new Readable({
    read() {
      this.push('Subject: half\r\n');
      this.destroy(new Error('client vanished'));
    },
  });
  await assert.rejects(s.enqueue({ sender: '', recipients: ['b@y.test'] }, bad), /client vanished/);
  assert.equal((await s.list()).length, 0);
  const { id } = await s.enqueue({ sender: '', recipients: ['b@y.test'] }, Readable.from([msg(5)]));
  assert.equal(s.row(id)!.off, 0);
  await s.close();
});

test('segments are recycled, not deleted or multiplied, as messages leave', async () => {
  const dir = `${tmp.path}/d`;
  const s = new Spool(dir, { segmentCap: 300 });
  const segFiles = () => readdirSync(dir).filter((f) => f.endsWith('.dat'));
  let afterFirst: string[] = [];
  for (let round = 0; round < 5; round++) {
    const ids = [];
    for (let i = 0; i < 20; i++)
      ids.push((await s.enqueue({ sender: '', recipients: ['r@y.test'] }, Readable.from([msg(i)]))).id);
    assert.ok(new Set(ids.map((id) => s.row(id)!.seg)).size > 1, 'a small cap spreads messages');
    for (const id of ids) await s.remove(id);
    if (round === 0) afterFirst = segFiles();
  }
  // ~700 bytes per round in 300-byte segments: later rounds reuse the first round's files.
  assert.ok(afterFirst.length >= 2 && afterFirst.length <= 4, String(afterFirst));
  assert.deepEqual(segFiles(), afterFirst);
  await s.close();
});

test('hold, release, retry and remove act on rows; unknown ids are clear errors', async () => {
  const s = new Spool(`${tmp.path}/e`);
  const { id } = await s.enqueue({ sender: 'a@x.test', recipients: ['b@y.test'] }, Readable.from([msg(3)]));
  await s.hold(id);
  assert.equal(s.due(Date.now() + 1, 10).length, 0);
  await s.release(id);
  assert.equal(s.due(Date.now() + 1, 10).length, 1);
  s.recordAttempt(
    id,
    [{ rcpt: 'b@y.test', status: 'deferred', error: '451 later' }],
    Date.now() + 60_000,
    '451 later',
  );
  assert.equal(s.due(Date.now(), 10).length, 0);
  assert.equal(await s.retry(), 1);
  assert.equal(s.due(Date.now() + 1, 10).length, 1);
  const q = await s.get(id);
  assert.equal(q?.attempts, 1);
  assert.equal(q?.recipients[0].status, 'deferred');
  await assert.rejects(s.hold('NOPE'), { code: 'not-found' });
  await s.remove(id);
  assert.equal(await s.get(id), undefined);
  await s.close();
});

test('one writer per spool: a second one is refused with a clear error, a dead one is taken over', async () => {
  const dir = `${tmp.path}/lock`;
  const a = new Spool(dir);
  assert.throws(() => new Spool(dir), { code: 'storage', message: /in use by another process \(pid \d+\)/ });
  const reader = new Spool(dir, { readOnly: true });
  await assert.rejects(
    reader.enqueue({ sender: '', recipients: ['x@y.test'] }, Readable.from(['x'])),
    /read-only/,
  );
  await reader.close();
  await a.close();
  // A lock left by a process that no longer exists (pid 2^22 + 1 is above pid_max's default).
  writeFileSync(`${dir}/writer.pid`, '4194305\n');
  const b = new Spool(dir);
  assert.equal(b.writable, true);
  await b.close();
});
