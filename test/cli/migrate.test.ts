/** `mailctl migrate` as the operator runs it: output, --json shape, exit codes. */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { type Corpus, generateCorpus } from '../../fixtures/corpus/generate.js';
import { freePort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';

const entry = join(import.meta.dirname, '..', 'interop', 'migrate-cli-entry.ts');
const mailctl = (args: string[], opts: { input?: string } = {}) =>
  execa(process.execPath, ['--import', 'tsx', entry, ...args], {
    reject: false,
    input: opts.input ?? '',
    env: { NO_COLOR: '1' },
  });

describe('mailctl migrate (CLI)', () => {
  const tmp = tempDir('mailctl-cli-migrate-');
  let c: Corpus;
  before(() => {
    c = generateCorpus(join(tmp.path, 'corpus'), { seed: 11, users: 2, messagesPerUser: 30 });
    // a damaged mbox next to the good ones: reported with file:line, never fatal
    mkdirSync(join(tmp.path, 'broken', 'dave'), { recursive: true });
    writeFileSync(
      join(tmp.path, 'broken', 'dave', 'INBOX'),
      'From a@x Sat Jan  3 12:00:00 2015\nSubject: one\n\nhello\n\nFrom the desk of the boss\n\nFrom b@x Sun Jan  4 12:00:00 2015\nSubject: two\n\nx\n',
    );
  });
  after(() => tmp.cleanup());

  it('survey --json lists users, folders and oddities with file:line', async () => {
    const r = await mailctl(['migrate', 'survey', '--from', `mbox:${join(tmp.path, 'broken')}`, '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.users[0].user, 'dave');
    assert.equal(s.users[0].messages, 2);
    assert.match(s.users[0].oddities[0], /INBOX:6: looks like a damaged "From " separator/);
    assert.equal(s.users[0].withoutMessageId, 2);
  });

  it('survey of a Maildir tree prints a table per user', async () => {
    const r = await mailctl(['migrate', 'survey', '--from', `maildir:${c.maildirRoot}`]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /alice/);
    assert.match(r.stdout, /プロジェクト\/2024年度\/見積/);
    assert.match(r.stdout, /2 user\(s\)/);
  });

  it('--rehearse into a scratch store verifies clean and exits 0', async () => {
    const r = await mailctl([
      'migrate',
      '--rehearse',
      '--from',
      `mbox:${c.mboxRoot}`,
      '--target-domain',
      'example.test',
      '--json',
    ]);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout.slice(0, 2000));
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.mode, 'rehearse');
    assert.equal(rep.clean, true);
    assert.equal(rep.totals.copied, c.manifest.totals.messages);
    assert.ok(rep.projection.seconds > 0);
  });

  it('real run into the local store with --create-accounts, then an incremental --verify re-run', async () => {
    const dir = join(tmp.path, 'server');
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'mailctl.toml');
    writeFileSync(config, 'hostname = "mx.example.test"\ndata_dir = "data"\n');
    const args = [
      '-c',
      config,
      'migrate',
      '--from',
      `maildir:${c.maildirRoot}`,
      '--target-domain',
      'example.test',
    ];
    const first = await mailctl([
      ...args,
      '--create-accounts',
      '--passwd-file',
      c.passwdFile,
      '--report',
      join(dir, 'r.md'),
    ]);
    assert.equal(first.exitCode, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /alice → alice@example.test/);
    const second = await mailctl([...args, '--verify', '--json']);
    assert.equal(second.exitCode, 0, second.stderr + second.stdout.slice(0, 2000));
    const rep = JSON.parse(second.stdout);
    assert.equal(rep.totals.copied, 0);
    assert.equal(rep.clean, true);
    const accounts = await execa(
      process.execPath,
      ['--import', 'tsx', entry, '-c', config, 'accounts', 'list', '--json'],
      { reject: false },
    );
    assert.match(accounts.stdout, /alice@example.test/);
  });

  it('the same mailboxes from another source address are refused unless --allow-new-source', async () => {
    const dir = join(tmp.path, 'moved');
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'mailctl.toml');
    writeFileSync(config, 'hostname = "mx.example.test"\ndata_dir = "data"\n');
    // the old server's files reached under another path: to the journal, another source
    const elsewhere = join(dir, 'same-maildir-elsewhere');
    cpSync(c.maildirRoot, elsewhere, { recursive: true });
    const run = (from: string, extra: string[] = []) =>
      mailctl([
        '-c',
        config,
        'migrate',
        '--from',
        `maildir:${from}`,
        '--target-domain',
        'example.test',
        '--only',
        'alice',
        '--json',
        ...extra,
      ]);
    const first = await run(c.maildirRoot, ['--create-accounts', '--passwd-file', c.passwdFile]);
    assert.equal(first.exitCode, 0, first.stderr + first.stdout.slice(0, 2000));
    const copied = JSON.parse(first.stdout).totals.copied;
    assert.ok(copied > 0);
    const again = await run(c.maildirRoot);
    assert.equal(again.exitCode, 0, 'the same source: an ordinary re-run');
    assert.equal(JSON.parse(again.stdout).totals.copied, 0);
    const moved = await run(elsewhere);
    assert.equal(moved.exitCode, 1, moved.stderr + moved.stdout.slice(0, 2000));
    const rep = JSON.parse(moved.stdout);
    assert.equal(rep.totals.copied, 0, 'nothing copied a second time');
    assert.match(
      rep.users[0].error.message,
      /already holds a migration from maildir:.*\(user alice\); this source \(maildir:.*same-maildir-elsewhere \(user alice\)\) is new/,
    );
    assert.match(rep.users[0].error.hint, /--allow-new-source/);
    const forced = await run(elsewhere, ['--allow-new-source']);
    assert.equal(forced.exitCode, 0, forced.stderr + forced.stdout.slice(0, 2000));
    assert.equal(JSON.parse(forced.stdout).totals.copied, copied, 'copied again, as asked');
  });

  it('an unreachable IMAP server exits 4 with where and a hint', async () => {
    const port = await freePort();
    const r = await mailctl(
      [
        'migrate',
        '--from',
        `imap://alice@127.0.0.1:${port}`,
        '--to',
        `imap://bob:x@127.0.0.1:${port}`,
        '--from-password-stdin',
        '--retry-delay',
        '0',
      ],
      { input: 'pw\n' },
    );
    assert.equal(r.exitCode, 4, r.stderr + r.stdout);
    assert.match(r.stdout, /cannot reach the IMAP server/);
  });

  it('usage errors exit 2: a bad --from, a users CSV with line-numbered problems', async () => {
    const bad = await mailctl(['migrate', '--from', '/var/mail']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /must be imap:\/\/…, imaps:\/\/…, maildir:PATH or mbox:PATH/);
    const csv = join(tmp.path, 'users.csv');
    writeFileSync(csv, 'source_user,source_password,target_user\nalice,pw,\n,pw,b@x\n');
    const r = await mailctl(['migrate', 'survey', '--from', 'imap://127.0.0.1:1', '--users', csv]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /users.csv:2: target_user is empty/);
    assert.match(r.stderr, /users.csv:3: source_user is empty/);
  });
});
