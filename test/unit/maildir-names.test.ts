/** Folder names → Maildir++ directories: the mapping Dovecot uses, and every escape refused. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkFolderName,
  folderDirName,
  folderFromDirName,
  userParts,
} from '../../src/store/maildir/names.js';

describe('Maildir++ folder names', () => {
  const pairs: [string, string][] = [
    ['INBOX', ''],
    ['inbox', ''],
    ['Sent', '.Sent'],
    ['Projects.2024', '.Projects.2024'],
    ['R&D', '.R&-D'],
    ['受信トレイ.重要', '.&U9dP4TDIMOwwpA-.&kc2JgQ-'],
    ['a b', '.a b'],
  ];
  for (const [name, dir] of pairs) {
    test(`${name} ↔ ${JSON.stringify(dir)}`, () => {
      assert.equal(folderDirName(name), dir);
      if (dir) assert.equal(folderFromDirName(dir), name);
    });
  }

  for (const bad of [
    '',
    '.',
    '..',
    '../etc',
    'a/b',
    'a\\b',
    '.hidden',
    'trailing.',
    'a..b',
    'x\u0000y',
    'tab\there',
    'del\u007f',
    'a. .b',
    'A.~.B',
    'x'.repeat(600),
    '長'.repeat(100),
  ]) {
    test(`refuses ${JSON.stringify(bad.slice(0, 30))}`, () => {
      assert.throws(
        () => folderDirName(bad),
        (e: Error & { code?: string }) => e.code === 'invalid-input',
      );
    });
  }

  test('directory entries that are not folders are ignored', () => {
    for (const d of ['.', '..', 'cur', 'new', 'tmp', '.&bad', '..x', '.a..b'])
      assert.equal(folderFromDirName(d), undefined, d);
  });

  test('user addresses cannot leave the mail root', () => {
    assert.deepEqual(userParts('Alice@Example.TEST'), { domain: 'example.test', local: 'alice' });
    for (const bad of [
      'alice',
      '@example.test',
      'alice@',
      '../x@example.test',
      'a@..',
      'a@b/c',
      'a/b@c.test',
      'a\u0000@b.test',
    ]) {
      assert.throws(() => userParts(bad), /not a usable mailbox address/, bad);
    }
    assert.equal(checkFolderName('InBoX'), 'INBOX');
  });
});
