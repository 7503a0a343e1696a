/**
 * Many views of one folder refreshing at once (IDLE sessions woken by one delivery) share
 * directory scans, yet each refresh still sees every change made before it was called —
 * also changes landing while a shared scan is already running, and files dropped in by
 * another process.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { MaildirStore } from '../../src/store/maildir/store.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-store-shared-');
after(() => tmp.cleanup());
const ref = { user: 'dave@example.test', folder: 'INBOX' };
const body = (s: string) => Readable.from([Buffer.from(`Subject: ${s}\r\n\r\nx\r\n`)]);

describe('refresh of many views', () => {
  test('concurrent refreshes all see deliveries made before them', async () => {
    const store = new MaildirStore({ mailRoot: tmp.path, fsync: false, quotaLimit: async () => 0 });
    await store.ensureUser(ref.user);
    const views = await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.open(ref, { readOnly: i % 2 === 0 })),
    );
    for (let round = 1; round <= 3; round++) {
      await store.deliver([ref], body(`r${round}`), { source: 'local' });
      // Half refresh now; a second delivery lands while their shared scan runs; the other
      // half refresh after it and must see both messages.
      const first = views.slice(0, 150).map((v) => v.refresh());
      const second = store.deliver([ref], body(`r${round}b`), { source: 'local' });
      await second;
      const later = views.slice(150).map((v) => v.refresh());
      const a = await Promise.all(first);
      const b = await Promise.all(later);
      for (const ch of b) assert.equal(ch.added.length, 2, 'later refresh missed a delivery');
      for (const ch of a) assert.ok(ch.added.length >= 1);
      // What the first half missed, the next refresh brings.
      for (const v of views.slice(0, 150)) await v.refresh();
      for (const v of views) assert.equal(v.messages().length, round * 2);
    }
    for (const v of views) v.close();
  });

  test('a file dropped in by another process is seen by every view', async () => {
    const store = new MaildirStore({ mailRoot: tmp.path, fsync: false, quotaLimit: async () => 0 });
    const views = await Promise.all(Array.from({ length: 100 }, () => store.open(ref, { readOnly: true })));
    const n = views[0].messages().length;
    const dir = join(tmp.path, 'example.test', 'dave', 'Maildir', 'new');
    writeFileSync(join(dir, `1700000000.M9P9.elsewhere`), 'Subject: dropped\r\n\r\nx\r\n');
    const changes = await Promise.all(views.map((v) => v.refresh()));
    for (const ch of changes) assert.equal(ch.added.length, 1);
    for (const v of views) assert.equal(v.messages().length, n + 1);
    for (const v of views) v.close();
  });
});
