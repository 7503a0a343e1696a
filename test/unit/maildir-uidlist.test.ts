/** dovecot-uidlist reading as Dovecot writes it (extension fields, appends, v1), and dot-locks. */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FolderState } from '../../src/store/maildir/folder.js';
import { acquireDotLock, withDotLock } from '../../src/store/maildir/lock.js';
import { numberFile } from '../../src/store/maildir/numbering.js';
import { parseHeader, RECENT_UIDS, Uidlist } from '../../src/store/maildir/uidlist.js';
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
    assert.equal(ul.index().get('1276528487.M364837P9451.kurkku,S=1355,W=1394'), 25006);
    assert.equal(ul.index().get('1276533073.M242911P3632.kurkku,S=2426,W=2481'), 25017);
    assert.equal(ul.refresh(), false, 'unchanged file: no work');
    appendFileSync(join(dir, 'dovecot-uidlist'), '25020 :1276533999.M1P1.kurkku\n25021 :half-written');
    assert.equal(ul.refresh(), true);
    assert.equal(ul.index().get('1276533999.M1P1.kurkku'), 25020);
    assert.equal(ul.index().has('half-written'), false, 'an unterminated line is not read yet');
    appendFileSync(join(dir, 'dovecot-uidlist'), '\n');
    ul.refresh();
    assert.equal(ul.index().get('half-written'), 25021);
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

describe('lean folders (delivery only: no full index)', () => {
  test('a lean folder keeps the UID another process gave its file, even when a tail read saw it first', async () => {
    const dir = join(tmp.path, 'lean');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
    const mine = new FolderState(dir, false); // delivers only: lean
    const other = new FolderState(dir, false); // a reader in another process: indexed
    assert.equal(await numberFile(mine, 'first.M1P1.host'), 0 + 1);
    writeFileSync(join(dir, 'new', 'first.M1P1.host'), 'x');
    // our delivery announces its file, renames it into new/ …
    mine.uidlist.expect('race.M2P1.host');
    writeFileSync(join(dir, 'new', 'race.M2P1.host'), 'x');
    // … and before our numbering runs, the other process lists the folder and numbers it
    await other.sync();
    const theirs = other.uidlist.index().get('race.M2P1.host');
    assert.equal(theirs, 2);
    // an unrelated batch of ours reads that record in its tail first
    mine.uidlist.expect('later.M3P1.host');
    writeFileSync(join(dir, 'new', 'later.M3P1.host'), 'x');
    assert.equal(await numberFile(mine, 'later.M3P1.host'), 3);
    // our own batch for the raced file: their UID, no second record
    assert.equal(await numberFile(mine, 'race.M2P1.host'), theirs);
    const records = readFileSync(join(dir, 'dovecot-uidlist'), 'utf8').trim().split('\n').slice(1);
    assert.deepEqual(records, ['1 :first.M1P1.host', '2 :race.M2P1.host', '3 :later.M3P1.host']);
    assert.equal(mine.uidlist.header.nextUid, 4);
  });

  test('a lean folder remembers its last RECENT_UIDS numbers; index() still knows every record', async () => {
    const dir = join(tmp.path, 'recent');
    mkdirSync(dir);
    const ul = new Uidlist(dir);
    await withDotLock(ul.path, { fsync: false }, (lock) => ul.create(lock, ['f0']));
    const files = Array.from({ length: RECENT_UIDS + 10 }, (_, i) => `f${i + 1}`);
    await withDotLock(ul.path, { fsync: false }, () => {
      ul.refresh();
      ul.append(files);
    });
    assert.equal(ul.uidOf(files[files.length - 1]), RECENT_UIDS + 11);
    assert.equal(ul.uidOf('f1'), undefined, 'forgotten by the lean folder');
    assert.equal(ul.index().get('f1'), 2);
    assert.equal(ul.index().get('f0'), 1);
    assert.equal(ul.index().size, RECENT_UIDS + 11);
  });

  test('a lean read in small chunks finds the same next UID and announced files as one whole read', () => {
    const dir = join(tmp.path, 'chunks');
    mkdirSync(dir);
    let text = '3 V1700000000 N5 G3085f01b7e5ea24b9f0c0000f43d5e0d\n';
    for (let u = 1; u <= 300; u++)
      text += `${u * 2}${u % 7 === 0 ? ' W1234' : ''} :name-${u}.M${u}P9.host,S=1${u}:2,S\n`;
    writeFileSync(join(dir, 'dovecot-uidlist'), `${text}601 :half-writ`);
    const lean = new Uidlist(dir, 37); // lines straddle every chunk boundary
    lean.expect('name-150.M150P9.host,S=1150');
    lean.expect('name-300.M300P9.host,S=1300');
    lean.expect('not-there');
    assert.equal(lean.refresh(), true);
    assert.equal(lean.header.uidValidity, 1700000000);
    assert.equal(lean.header.nextUid, 601);
    assert.equal(lean.uidOf('name-150.M150P9.host,S=1150'), 300);
    assert.equal(lean.uidOf('name-300.M300P9.host,S=1300'), 600);
    assert.equal(lean.uidOf('not-there'), undefined);
    assert.equal(lean.uidOf('name-1.M1P9.host,S=11'), undefined, 'not announced: not kept');
    appendFileSync(join(dir, 'dovecot-uidlist'), 'ten\n');
    assert.equal(lean.refresh(), true, 'the half-written line is read once complete');
    assert.equal(lean.header.nextUid, 602);
    const whole = new Uidlist(dir);
    assert.equal(whole.index().size, 301);
    assert.equal(whole.header.nextUid, 602);
    assert.equal(whole.index().get('half-written'), 601);
  });
});
