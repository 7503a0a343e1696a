/**
 * Migration against real Dovecot 2.3 servers: a source seeded from the generated legacy
 * corpus (per-user logins and a master user) and a second Dovecot as IMAP target.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { Corpus } from '../../fixtures/corpus/generate.js';
import { type MigrateOptions, migrate } from '../../src/migrate/api.js';
import { sha256 } from '../../src/migrate/hash.js';
import type { Dovecot } from '../helpers/dovecot.js';
import { tempDir } from '../helpers/tmp.js';
import { corpus, MASTER, sourceDovecot, targetDovecot } from './migrate-helpers.js';

const noConfig = async () => {
  throw new Error('no config in this test');
};

function base(src: Dovecot, dst: Dovecot | undefined, extra: Partial<MigrateOptions>): MigrateOptions {
  return {
    from: `imap://127.0.0.1:${src.imapPort}`,
    to: dst ? `imap://127.0.0.1:${dst.imapPort}` : undefined,
    insecure: true,
    mboxFormat: 'mboxrd',
    rehearse: false,
    parallel: 2,
    folderMap: [],
    verify: true,
    createAccounts: false,
    retries: 0,
    retryDelayMs: 0,
    loadConfig: noConfig,
    ...extra,
  };
}

/** Every target message's hash per folder, to compare with the corpus manifest. */
async function targetHashes(dst: Dovecot, user: string): Promise<Map<string, string[]>> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: dst.imapPort,
    secure: false,
    auth: { user: `${user}*${MASTER.user}`, pass: MASTER.password, loginMethod: 'LOGIN' },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
  await c.connect();
  const out = new Map<string, string[]>();
  for (const f of await c.list()) {
    const lock = await c.getMailboxLock(f.path, { readOnly: true });
    try {
      const hashes: string[] = [];
      if (c.mailbox && c.mailbox.exists > 0) {
        for await (const m of c.fetch('1:*', { source: true })) if (m.source) hashes.push(sha256(m.source));
      }
      out.set(f.path, hashes.sort());
    } finally {
      lock.release();
    }
  }
  await c.logout();
  return out;
}

describe('migrate IMAP → IMAP (real Dovecot source and target)', () => {
  const tmp = tempDir('mailctl-migrate-imap-');
  let c: Corpus;
  let src: Dovecot;
  let dst: Dovecot;
  let usersCsv: string;
  const state = join(tmp.path, 'state.sqlite');

  before(async () => {
    c = corpus(tmp.path, 3, 40);
    src = await sourceDovecot(tmp.path, c, '.');
    dst = await targetDovecot(
      tmp.path,
      c.manifest.users.map((u) => u.name),
    );
    usersCsv = join(tmp.path, 'users.csv');
    writeFileSync(
      usersCsv,
      `source_user,source_password,target_user\n${c.manifest.users.map((u) => `${u.name},${u.password},${u.name}`).join('\n')}\n`,
    );
  });
  after(async () => {
    await src?.stop();
    await dst?.stop();
    tmp.cleanup();
  });

  it('copies every message byte for byte with flags, dates and Japanese folder names (master login), verified clean', async () => {
    const r = await migrate(
      base(src, dst, {
        usersFile: usersCsv,
        master: { ...MASTER, method: 'login' },
        toMaster: MASTER,
        state,
      }),
    );
    assert.equal(
      r.clean,
      true,
      JSON.stringify(r.users.map((u) => u.error ?? u.folders.filter((f) => f.errors.length))),
    );
    assert.equal(r.totals.copied, c.manifest.totals.messages);
    // independent check against the generator's manifest, folder by folder
    const special: Record<string, string> = {
      'Sent Items': 'Sent',
      送信済み: 'Sent',
      'Sent Messages': 'Sent',
    };
    for (const u of c.manifest.users) {
      const got = await targetHashes(dst, u.name);
      const want = new Map<string, string[]>();
      for (const m of c.manifest.messages.filter((x) => x.user === u.name)) {
        const f = special[m.folder] ?? m.folder;
        want.set(f, [...(want.get(f) ?? []), m.sha256]);
      }
      for (const [f, hashes] of want) assert.deepEqual(got.get(f), hashes.sort(), `${u.name} ${f}`);
      assert.ok(got.has('空のフォルダ'), 'empty folder created');
    }
  });

  it('a no-change re-run copies nothing; a flag changed at the source is carried over', async () => {
    const again = await migrate(
      base(src, dst, {
        usersFile: usersCsv,
        master: { ...MASTER, method: 'login' },
        toMaster: MASTER,
        state,
        verify: false,
      }),
    );
    assert.equal(again.totals.copied, 0);
    assert.equal(
      again.users.reduce((a, u) => a + u.folders.reduce((b, f) => b + f.flagsUpdated, 0), 0),
      0,
    );
    src.doveadm(['flags', 'add', '-u', 'alice', '\\Flagged $Urgent', 'mailbox', 'INBOX', 'all']);
    const delta = await migrate(
      base(src, dst, {
        usersFile: usersCsv,
        master: { ...MASTER, method: 'login' },
        toMaster: MASTER,
        state,
      }),
    );
    assert.equal(delta.totals.copied, 0);
    const alice = delta.users.find((u) => u.sourceUser === 'alice')!;
    assert.ok(alice.folders.find((f) => f.source === 'INBOX')!.flagsUpdated > 0);
    assert.equal(delta.clean, true);
  });

  it('a re-run without verification reads unchanged folders by STATUS only; new mail and flag changes come through CONDSTORE', async () => {
    const opts = base(src, dst, {
      usersFile: usersCsv,
      master: { ...MASTER, method: 'login' },
      toMaster: MASTER,
      state,
      verify: false,
    });
    const quiet = await migrate(opts);
    assert.equal(quiet.totals.copied, 0);
    for (const u of quiet.users)
      for (const f of u.folders.filter((x) => x.sourceMessages > 0))
        assert.equal(f.listed, 'skipped', `${u.sourceUser} ${f.source}`);
    // at the source: one new message in Sent, a flag on the first INBOX message
    const raw = 'From: new@example.test\r\nSubject: arrived after the first run\r\n\r\nhello\r\n';
    const c2 = new ImapFlow({
      host: '127.0.0.1',
      port: src.imapPort,
      secure: false,
      auth: { user: `bob*${MASTER.user}`, pass: MASTER.password, loginMethod: 'LOGIN' },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
    await c2.connect();
    const other = (await c2.list()).find((f) => f.path !== 'INBOX' && !f.flags.has('\\Noselect'))!;
    const added = await c2.append(other.path, raw, ['\\Seen', '$Label1'], new Date('2021-03-04T05:06:07Z'));
    src.doveadm(['flags', 'add', '-u', 'bob', '$Delta', 'mailbox', 'INBOX', 'all']);
    const delta = await migrate(opts);
    assert.equal(delta.totals.copied, 1);
    const bob = delta.users.find((u) => u.sourceUser === 'bob')!;
    const inbox = bob.folders.find((f) => f.source === 'INBOX')!;
    assert.equal(inbox.listed, 'changes');
    assert.equal(inbox.flagsUpdated, inbox.sourceMessages);
    assert.equal(bob.folders.find((f) => f.copied === 1)?.listed, 'changes');
    // and the target holds exactly that: a full verification finds nothing to fix
    const check = await migrate({ ...opts, verify: true });
    assert.equal(check.totals.copied, 0);
    assert.equal(check.clean, true, JSON.stringify(check.users.map((u) => u.folders.map((f) => f.verify))));
    const got = await targetHashes(dst, 'bob');
    assert.ok([...got.values()].flat().includes(sha256(Buffer.from(raw))));
    // give the source back as the corpus made it, for the tests after this one
    await c2.mailboxOpen(other.path);
    await c2.messageDelete(String(added ? added.uid : '*'), { uid: true });
    await c2.logout();
    src.doveadm(['flags', 'remove', '-u', 'bob', '$Delta', 'mailbox', 'INBOX', 'all']);
  });

  it('SASL PLAIN with an authorization identity works as the master login', async () => {
    const r = await migrate(
      base(src, undefined, {
        to: `imap://127.0.0.1:${dst.imapPort}`,
        only: ['bob'],
        usersFile: usersCsv,
        master: { ...MASTER, method: 'plain' },
        toMaster: MASTER,
        rehearse: true,
      }),
    );
    // The login works (status ok). The target already holds bob's mail from the first test and a
    // rehearsal uses a scratch journal, so verification must flag those copies as duplicated:
    // this is why a rehearsal --to must be a scratch server, never production.
    assert.equal(r.users[0].status, 'ok');
    assert.equal(r.clean, false);
    assert.ok(r.users[0].folders.some((f) => (f.verify?.duplicated ?? 0) > 0));
  });

  it('a wrong password fails that user with the reason; the others are migrated', async () => {
    const bad = join(tmp.path, 'bad.csv');
    const users = c.manifest.users.map((u, i) => `${u.name},${i === 0 ? 'wrong' : u.password},${u.name}`);
    writeFileSync(bad, `source_user,source_password,target_user\n${users.join('\n')}\n`);
    const dst2 = await targetDovecot(
      join(tmp.path, 'second'),
      c.manifest.users.map((u) => u.name),
    );
    try {
      const r = await migrate(
        base(src, dst2, { usersFile: bad, toMaster: MASTER, state: join(tmp.path, 's2.sqlite') }),
      );
      const [first, ...rest] = r.users;
      assert.equal(first.status, 'failed');
      assert.equal(first.error?.code, 'auth-failed');
      assert.match(first.error?.where ?? '', /alice/);
      for (const u of rest) assert.equal(u.status, 'ok');
      assert.equal(r.clean, false);
    } finally {
      await dst2.stop();
    }
  });

  /** One user into a fresh target Dovecot; the target's hashes against the corpus's. */
  async function intoFreshTarget(
    dir: string,
    user: string,
    extra: Partial<MigrateOptions>,
    check: (r: Awaited<ReturnType<typeof migrate>>, again: () => ReturnType<typeof migrate>) => Promise<void>,
    targetConf?: string,
  ): Promise<void> {
    const dst = await targetDovecot(
      join(tmp.path, dir),
      c.manifest.users.map((u) => u.name),
      targetConf,
    );
    try {
      const run = () =>
        migrate(
          base(src, dst, {
            usersFile: usersCsv,
            toMaster: MASTER,
            only: [user],
            state: join(tmp.path, `${dir}.sqlite`),
            ...extra,
          }),
        );
      const r = await run();
      const want = c.manifest.messages.filter((m) => m.user === user);
      assert.equal(r.users[0].status, 'ok', JSON.stringify(r.users[0].error));
      assert.equal(r.totals.copied, want.length);
      const got = [...(await targetHashes(dst, user)).values()].flat().sort();
      assert.deepEqual(got, want.map((m) => m.sha256).sort());
      await check(r, run);
    } finally {
      await dst.stop();
    }
  }

  it('without STARTTLS (--no-starttls: reads go into one reused buffer) every byte still arrives, verified clean', async () => {
    await intoFreshTarget('plain', c.manifest.users[2].name, { plain: true }, async (r) => {
      assert.equal(r.clean, true, JSON.stringify(r.users.map((u) => u.error)));
    });
  });

  it('four connections per user (folders side by side): every byte arrives, verified clean, and a re-run copies nothing', async () => {
    await intoFreshTarget('lanes', c.manifest.users[0].name, { connections: 4 }, async (r, again) => {
      assert.equal(r.clean, true, JSON.stringify(r.users.map((u) => u.error)));
      assert.ok(r.users[0].folders.filter((f) => f.copied > 0).length >= 4, 'several folders had work');
      assert.equal((await again()).totals.copied, 0);
    });
  });

  it('a target that allows one connection per user: the extra connections are refused, the copy completes over one', async () => {
    await intoFreshTarget(
      'one-connection',
      c.manifest.users[1].name,
      { connections: 3 },
      async (r) => {
        assert.equal(r.clean, true, JSON.stringify(r.users.map((u) => u.error)));
        assert.equal(r.users[0].attempts, 1);
      },
      'mail_max_userip_connections = 1\n',
    );
  });

  it('a user over listAhead: folders listed again just before their copy, every byte arrives', async () => {
    await intoFreshTarget(
      'deferred',
      c.manifest.users[1].name,
      { verify: false, listAhead: 5 },
      async (_r, again) => {
        // a re-run with the same setting finds nothing to copy
        assert.equal((await again()).totals.copied, 0);
      },
    );
  });

  it('the rehearsal catches a deliberately broken target (quota too small) and lists the refused messages', async () => {
    const broken = await targetDovecot(
      join(tmp.path, 'broken'),
      c.manifest.users.map((u) => u.name),
      'mail_plugins = $mail_plugins quota\nplugin {\n  quota = maildir:User quota\n  quota_rule = *:storage=40K\n}\n',
    );
    try {
      const r = await migrate(
        base(src, broken, { usersFile: usersCsv, toMaster: MASTER, rehearse: true, only: ['alice'] }),
      );
      assert.equal(r.mode, 'rehearse');
      assert.equal(r.clean, false);
      const alice = r.users[0];
      const errors = alice.folders.flatMap((f) => f.errors);
      assert.ok(
        errors.some((e) => /quota/i.test(e)),
        errors.join('\n'),
      );
      assert.ok(alice.folders.some((f) => (f.verify?.missing.length ?? 0) > 0));
      assert.ok(r.projection && r.projection.seconds > 0);
    } finally {
      await broken.stop();
    }
  });

  it('kill -9 in the middle, then re-run: nothing lost, nothing duplicated', async () => {
    const dst3 = await targetDovecot(
      join(tmp.path, 'third'),
      c.manifest.users.map((u) => u.name),
    );
    const st = join(tmp.path, 'kill.sqlite');
    const args = [
      'migrate',
      '--from',
      `imap://127.0.0.1:${src.imapPort}`,
      '--to',
      `imap://127.0.0.1:${dst3.imapPort}`,
      '--users',
      usersCsv,
      '--to-master',
      MASTER.user,
      '--state',
      st,
      '--parallel',
      '3',
      '--retry-delay',
      '0',
      '--insecure',
    ];
    const env = { ...process.env, MAILCTL_TO_MASTER_PASSWORD: MASTER.password };
    try {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'migrate-cli-entry.ts'),
          ...args,
          '--max-bytes-per-second',
          '150KB',
        ],
        { env, stdio: 'ignore' },
      );
      const count = () => {
        try {
          return (
            readdirSync(join(dst3.mailRoot, 'alice', 'Maildir', 'cur')).length +
            readdirSync(join(dst3.mailRoot, 'alice', 'Maildir', 'new')).length
          );
        } catch {
          return 0;
        }
      };
      // wait for an observable state — some messages appended — then kill without warning
      while (count() < 5 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      assert.equal(child.exitCode, null, 'the run finished before it could be killed');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const resumed = await migrate(base(src, dst3, { usersFile: usersCsv, toMaster: MASTER, state: st }));
      assert.equal(
        resumed.clean,
        true,
        JSON.stringify(resumed.users.map((u) => u.folders.map((f) => f.verify))),
      );
      for (const u of c.manifest.users) {
        const got = await targetHashes(dst3, u.name);
        const total = [...got.values()].reduce((a, h) => a + h.length, 0);
        assert.equal(total, c.manifest.messages.filter((m) => m.user === u.name).length, u.name);
      }
      assert.ok(resumed.users.some((u) => u.folders.some((f) => f.adopted > 0 || f.known > 0)));
    } finally {
      await dst3.stop();
    }
  });
});
