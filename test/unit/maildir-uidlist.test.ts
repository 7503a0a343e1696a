/** dovecot-uidlist reading as Dovecot writes it (extension fields, appends, v1), and dot-locks. */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { acquireDotLock, withDotLock } from '../../src/store/maildir/lock.js';
import { parseHeader, Uidlist } from '../../src/store/maildir/uidlist.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-uidlist-');
after(() => tmp.cleanup());

describe('dovecot-uidlist', () => {
  test('headers', () => {
    assert.deepEqual(parseHeader('3 V1275660208 N25022 G3085f01b7e5ea24b9f0c0000f43d5e0d'), {
      uidValidity: 1275660208,
      nextUid: 25022,
      guid: '3085f01b7e5ea24b9f0c0000f43d5e0d',
    });
    assert.deepEqual(parseHeader('1 1035478339 5'), { uidValidity: 1035478339, nextUid: 5, guid: '' });
    for (const bad of ['', '3 N5', '3 V0 N1', 'garbage', '2 V1 N1'])
      assert.equal(parseHeader(bad), undefined, bad);
  });

  test("Dovecot's records with extension fields, then appended tails", () => {
    const dir = join(tmp.path, 'a');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'dovecot-uidlist'),
      '3 V1275660208 N25007 G3085f01b7e5ea24b9f0c0000f43d5e0d\n' +
        '25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,\n' +
        '25017 W2481 :1276533073.M242911P3632.kurkku,S=2426,W=2481:2,F\n',
    );
    const ul = new Uidlist(dir);
    assert.equal(ul.refresh(), true);
    assert.equal(ul.header.uidValidity, 1275660208);
    assert.equal(ul.header.nextUid, 25018, 'next UID is past the last record even if N is lower');
    assert.equal(ul.byBase.get('1276528487.M364837P9451.kurkku,S=1355,W=1394'), 25006);
    assert.equal(ul.byBase.get('1276533073.M242911P3632.kurkku,S=2426,W=2481'), 25017);
    assert.equal(ul.refresh(), false, 'unchanged file: no work');
    appendFileSync(join(dir, 'dovecot-uidlist'), '25020 :1276533999.M1P1.kurkku\n25021 :half-written');
    assert.equal(ul.refresh(), true);
    assert.equal(ul.byBase.get('1276533999.M1P1.kurkku'), 25020);
    assert.equal(ul.byBase.has('half-written'), false, 'an unterminated line is not read yet');
    appendFileSync(join(dir, 'dovecot-uidlist'), '\n');
    ul.refresh();
    assert.equal(ul.byBase.get('half-written'), 25021);
    assert.equal(ul.header.nextUid, 25022);
  });

  test('a broken header counts as no uidlist', () => {
    const dir = join(tmp.path, 'b');
    mkdirSync(dir);
    writeFileSync(join(dir, 'dovecot-uidlist'), 'junk\n1 :x\n');
    const ul = new Uidlist(dir);
    ul.refresh();
    assert.equal(ul.loaded, false);
  });
});

describe('dot-locks', () => {
  test('exclusive within and across callers; replace() swaps the file atomically', async () => {
    const target = join(tmp.path, 'file');
    writeFileSync(target, 'old');
    const order: string[] = [];
    await Promise.all([
      withDotLock(target, {}, async (lock) => {
        order.push('a-in');
        await new Promise((r) => setImmediate(r));
        order.push('a-out');
        lock.replace('new');
      }),
      withDotLock(target, {}, async () => {
        order.push('b-in');
        order.push('b-out');
      }),
    ]);
    assert.deepEqual(order, ['a-in', 'a-out', 'b-in', 'b-out']);
    assert.equal(readFileSync(target, 'utf8'), 'new');
    assert.equal(existsSync(`${target}.lock`), false);
  });

  test('a lock held by a live process times out with a clear error; a stale one is broken', async () => {
    const target = join(tmp.path, 'held');
    // pid 1 is alive on this host: the lock belongs to "another process".
    writeFileSync(`${target}.lock`, `1:${hostname()}`);
    await assert.rejects(acquireDotLock(target, { timeoutMs: 30 }), /timed out waiting for the lock/);
    const stolen = await acquireDotLock(target, { staleMs: 0, timeoutMs: 1000 });
    stolen.release();
    assert.equal(existsSync(`${target}.lock`), false);
  });
});

test('a lock left by a crashed process on this host is broken at once', async () => {
  const target = join(tmp.path, 'crashed');
  // A pid that does not exist: far above pid_max on Linux.
  writeFileSync(`${target}.lock`, `4194999:${hostname()}`);
  const t0 = Date.now();
  const lock = await acquireDotLock(target, { timeoutMs: 2000 });
  assert.ok(Date.now() - t0 < 1000);
  assert.match(readFileSync(`${target}.lock`, 'utf8'), new RegExp(`^${process.pid}:`));
  lock.replace('content');
  assert.equal(readFileSync(target, 'utf8'), 'content');
});
