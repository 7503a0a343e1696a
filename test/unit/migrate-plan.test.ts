import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateCorpus } from '../../fixtures/corpus/generate.js';
import { CrlfHasher, sha256, toCrlf } from '../../src/migrate/hash.js';
import { detectSpecialUse, mapFolder, normalizeFlags, parseFolderMap } from '../../src/migrate/names.js';
import { planFolder, takeFromPool } from '../../src/migrate/plan.js';
import { parseMaildirName } from '../../src/migrate/sources/maildir.js';
import { parsePasswdFile, parseUsersCsv } from '../../src/migrate/users.js';
import { compareFolder, isClean } from '../../src/migrate/verify.js';
import { tempDir } from '../helpers/tmp.js';

const folder = (path: string[], raw = path.join('.'), specialUse?: string) => ({
  path,
  raw,
  specialUse,
  subscribed: true,
  selectable: true,
});

describe('special-use and folder mapping', () => {
  const cases: [string[], string | undefined][] = [
    [['Sent'], '\\Sent'],
    [['Sent Items'], '\\Sent'],
    [['送信済み'], '\\Sent'],
    [['INBOX', 'Sent'], '\\Sent'],
    [['Deleted Items'], '\\Trash'],
    [['迷惑メール'], '\\Junk'],
    [['下書き'], '\\Drafts'],
    [['Projects', 'Sent'], undefined],
    [['プロジェクト'], undefined],
  ];
  for (const [path, use] of cases)
    it(`${path.join('/')} → ${use}`, () => assert.equal(detectSpecialUse({ path }), use));

  it('maps to the target separator, the target special folder and --folder-map', () => {
    const targetSpecial = new Map([['\\Sent', 'Sent Messages']]);
    const map = parseFolderMap(['Old/Stuff=Archive/Old']);
    const opts = { delimiter: '.', map, targetSpecial };
    assert.equal(mapFolder(folder(['プロジェクト', '2024年度']), opts).name, 'プロジェクト.2024年度');
    assert.deepEqual(mapFolder(folder(['送信済み']), opts), { name: 'Sent Messages', specialUse: '\\Sent' });
    assert.equal(mapFolder(folder(['Drafts']), opts).name, 'Drafts');
    assert.equal(mapFolder(folder(['Old', 'Stuff']), opts).name, 'Archive.Old');
    assert.equal(mapFolder(folder(['INBOX']), opts).name, 'INBOX');
    const dotted = mapFolder(folder(['v1.2 notes'], 'v1.2 notes'), opts);
    assert.equal(dotted.name, 'v1_2 notes');
    assert.match(dotted.note ?? '', /separator/);
    assert.equal(mapFolder(folder(['R&D']), { ...opts, delimiter: '/' }).name, 'R&D');
  });

  it('rejects a --folder-map without "="', () => {
    assert.throws(() => parseFolderMap(['nonsense']), /SOURCE=TARGET/);
  });

  it('normalises flags', () => {
    assert.deepEqual(normalizeFlags(['\\SEEN', '\\Recent', 'Work', '\\seen']), ['Work', '\\Seen'].sort());
  });

  it('parses Maildir names with Dovecot keyword letters', () => {
    assert.deepEqual(parseMaildirName('1.M1P2.h,S=5:2,FSab', ['$Label1', 'Work']), {
      base: '1.M1P2.h,S=5',
      flags: normalizeFlags(['\\Flagged', '\\Seen', '$Label1', 'Work']),
    });
    assert.deepEqual(parseMaildirName('1.M1P2.h', []), { base: '1.M1P2.h', flags: [] });
  });
});

describe('hashing', () => {
  it('CRLF-normalises bare LF only, also across chunks', () => {
    assert.equal(toCrlf(Buffer.from('a\nb\r\nc\n')).toString(), 'a\r\nb\r\nc\r\n');
    const h = new CrlfHasher();
    for (const c of ['a\r', '\nb', '\n', 'c']) h.update(Buffer.from(c));
    assert.equal(h.digest(), createHash('sha256').update('a\r\nb\r\nc').digest('hex'));
    assert.equal(sha256(Buffer.from('x\n')), sha256(Buffer.from('x\r\n')));
  });
});

describe('plan and verify', () => {
  const d = new Date('2020-01-01T00:00:00Z');
  const listing = {
    validity: '7',
    problems: [],
    messages: [
      { key: '1', size: 10, flags: ['\\Seen'], internalDate: d },
      { key: '2', size: 10, flags: [], internalDate: d },
      { key: '3', size: 10, flags: [], internalDate: d },
    ],
  };
  it('copies what the journal lacks, fixes changed flags, re-keys after a UIDVALIDITY change', () => {
    const rows = [
      { validity: '7', key: '1', sha256: 'h1', size: 10, flags: '', idate: 0, target_uid: 11 },
      { validity: '7', key: '2', sha256: 'h2', size: 10, flags: '', idate: 0, target_uid: 12 },
      { validity: '6', key: '9', sha256: 'h3', size: 10, flags: '', idate: 0, target_uid: 13 },
      { validity: '7', key: '4', sha256: 'h4', size: 10, flags: '', idate: 0, target_uid: 14 },
    ];
    const p = planFolder(listing, rows);
    assert.deepEqual(
      p.copy.map((m) => m.key),
      ['3'],
    );
    assert.deepEqual(p.flagUpdates, [{ key: '1', uid: 11, flags: ['\\Seen'] }]);
    assert.equal(p.known, 2);
    assert.equal(p.goneFromSource, 1);
    assert.equal(takeFromPool(p.rekeyPool, 'h3'), 13);
    assert.equal(takeFromPool(p.rekeyPool, 'h3'), undefined);
  });

  it('a partial listing plans the same from the rows of its keys and the journal count', () => {
    // the source reports 1,000 messages; listed: the changes since last time (1 flag change, 1 new)
    const partial = {
      validity: '7',
      problems: [],
      partial: true,
      state: { validity: '7', uidNext: 1001, messages: 1000, highestModseq: '9' },
      messages: [
        { key: '5', size: 10, flags: ['\\Flagged'], internalDate: d },
        { key: '1000', size: 10, flags: [], internalDate: d },
      ],
    };
    const all = Array.from({ length: 999 }, (_, i) => ({
      validity: '7',
      key: String(i + 1),
      sha256: `h${i + 1}`,
      size: 10,
      flags: '',
      idate: 0,
      target_uid: i + 1,
    }));
    const whole = planFolder(partial, all);
    const few = planFolder(
      partial,
      all.filter((r) => r.key === '5'),
      all.length,
    );
    for (const p of [whole, few]) {
      assert.deepEqual(
        p.copy.map((m) => m.key),
        ['1000'],
      );
      assert.deepEqual(p.flagUpdates, [{ key: '5', uid: 5, flags: ['\\Flagged'] }]);
      assert.equal(p.known, 999);
      assert.equal(p.goneFromSource, 0);
    }
    // one message deleted at the source since: 999 journaled + 1 new, the source says 999
    const gone = planFolder(
      { ...partial, state: { ...partial.state, messages: 999 } },
      all.filter((r) => r.key === '5'),
      all.length,
    );
    assert.equal(gone.goneFromSource, 1);
    assert.equal(gone.known, 998);
  });

  it('finds missing, extra, duplicated, content, flag and date differences', () => {
    const rows = [
      { key: '1', sha256: 'h1', size: 10, flags: '\\Seen', idate: 0, target_uid: 1 },
      { key: '2', sha256: 'h2', size: 10, flags: '', idate: 0, target_uid: 2 },
    ];
    const clean = compareFolder(listing.messages.slice(0, 2), rows, [
      { uid: 1, size: 10, flags: ['\\Seen'], internalDate: d, sha256: 'h1' },
      { uid: 2, size: 10, flags: [], internalDate: new Date(d.getTime() + 400), sha256: 'h2' },
    ]);
    assert.ok(isClean(clean));
    const bad = compareFolder(listing.messages, rows, [
      { uid: 1, size: 10, flags: [], internalDate: d, sha256: 'h1' },
      { uid: 2, size: 10, flags: [], internalDate: new Date(d.getTime() + 3_600_000), sha256: 'XX' },
      { uid: 5, size: 10, flags: [], internalDate: d, sha256: 'h1' },
      { uid: 6, size: 10, flags: [], internalDate: d, sha256: 'other' },
    ]);
    assert.deepEqual(bad.missing, ['3']);
    assert.equal(bad.flagMismatch.length, 1);
    assert.equal(bad.dateMismatch.length, 1);
    assert.equal(bad.contentMismatch.length, 1);
    assert.equal(bad.duplicated, 1);
    assert.equal(bad.extra, 1);
  });
});

describe('users CSV and passwd-file', () => {
  it('parses the documented columns', () => {
    const u = parseUsersCsv(
      'source_user,source_password,target_user,extra\nalice,pw,alice@example.com,x\nbob,,bob@example.com,\n',
      'u.csv',
    );
    assert.deepEqual(u[0], {
      sourceUser: 'alice',
      sourcePassword: 'pw',
      sourceToken: undefined,
      targetUser: 'alice@example.com',
      targetPassword: undefined,
    });
    assert.equal(u[1].sourcePassword, undefined);
  });
  it('reports every problem with its line', () => {
    assert.throws(
      () => parseUsersCsv('source_user,source_password,target_user\n,pw,a@x\nb,pw,\nc,pw,A@x\n', 'u.csv'),
      (e: { problems: { where: string; message: string }[] }) => {
        assert.deepEqual(
          e.problems.map((p) => p.where),
          ['u.csv:2', 'u.csv:3', 'u.csv:4'],
        );
        return true;
      },
    );
    assert.throws(() => parseUsersCsv('user,password\n', 'u.csv'), /lacks source_user, target_user/);
  });
  it('reads Dovecot passwd-file hashes', () => {
    const m = parsePasswdFile('alice:{SHA512-CRYPT}$6$abc::::::\n# c\nbob:{PLAIN}x::::::\n');
    assert.equal(m.get('alice'), '{SHA512-CRYPT}$6$abc');
  });
});

describe('legacy corpus generator', () => {
  it('same seed → same bytes; manifest hashes match the Maildir files', () => {
    const a = tempDir();
    const b = tempDir();
    try {
      const ca = generateCorpus(a.path, { seed: 3, users: 2, messagesPerUser: 30 });
      generateCorpus(b.path, { seed: 3, users: 2, messagesPerUser: 30 });
      assert.equal(
        readFileSync(join(a.path, 'manifest.json'), 'utf8'),
        readFileSync(join(b.path, 'manifest.json'), 'utf8'),
      );
      for (const m of ca.manifest.messages) {
        const bytes = readFileSync(join(ca.maildirRoot, m.user, 'Maildir', m.maildir));
        assert.equal(sha256(bytes), m.sha256);
      }
      const msgs = ca.manifest.messages;
      assert.ok(msgs.some((m) => m.messageId === null));
      assert.ok(msgs.some((m) => m.folder === 'プロジェクト/2024年度/見積'));
      const byHash = new Map<string, string[]>();
      for (const m of msgs) byHash.set(m.sha256, [...(byHash.get(m.sha256) ?? []), m.folder]);
      assert.ok(
        [...byHash.values()].some((f) => f.length === 2 && f[0] !== f[1]),
        'a byte-identical copy in two folders',
      );
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });
});
