/**
 * `mailctl domains …` through the real binary, and domains/accounts/aliases end to end on a
 * real slapd (the LDAP backend), including an unreachable server and a refused bind.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliEnv, cliEnv, ensureBuilt } from '../helpers/cli.js';
import { freePort } from '../helpers/proc.js';
import { LDAP_WRITER, type Slapd, startSlapd } from '../helpers/slapd.js';

const BUILT = ['cli.ts', 'commands', 'directory', 'auth', 'config', 'ui'];

describe('domains on SQLite', () => {
  let env: CliEnv;
  before(async () => {
    await ensureBuilt(BUILT);
    env = cliEnv();
  });
  after(() => env?.cleanup());

  test('empty list says how to add one', async () => {
    const r = await env.run(['domains', 'list']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /no domains yet; add one with `mailctl domains add example\.com`/);
    assert.deepEqual(await env.json(['domains', 'list']), []);
  });

  test('add, list (table with counts, JSON), remove', async () => {
    let r = await env.run(['domains', 'add', 'Example.TEST']);
    assert.equal(r.stdout, 'added domain example.test');
    assert.deepEqual(Object.keys(await env.json(['domains', 'add', 'other.test'])).sort(), [
      'createdAt',
      'name',
    ]);
    await env.run(['accounts', 'add', 'a@example.test', '--password-stdin'], 'long-password-1\n');
    await env.run(['aliases', 'add', 'b@example.test', 'a@example.test']);
    r = await env.run(['domains', 'list']);
    assert.match(r.stdout, /^DOMAIN +ACCOUNTS +ALIASES +CREATED\n/);
    assert.match(r.stdout, /example\.test +1 +1 +\d{4}-\d\d-\d\dT/);
    assert.match(r.stdout, /other\.test +0 +0 /);
    const j = await env.json<{ name: string; accounts: number; aliases: number }[]>(['domains', 'list']);
    assert.deepEqual(
      j.map((d) => [d.name, d.accounts, d.aliases]),
      [
        ['example.test', 1, 1],
        ['other.test', 0, 0],
      ],
    );
    r = await env.run(['domains', 'remove', 'other.test']);
    assert.equal(r.stdout, 'removed domain other.test');
  });

  const bad: { name: string; args: string[]; err: RegExp; hint: RegExp }[] = [
    {
      name: 'invalid domain syntax',
      args: ['domains', 'add', 'bad_domain'],
      err: /"bad_domain" is not a valid domain name/,
      hint: /fully qualified/,
    },
    {
      name: 'single label',
      args: ['domains', 'add', 'localhost'],
      err: /not a valid domain name/,
      hint: /at least one dot/,
    },
    {
      name: 'duplicate domain',
      args: ['domains', 'add', 'example.test'],
      err: /domain example\.test already exists/,
      hint: /domains list/,
    },
    {
      name: 'remove unknown domain',
      args: ['domains', 'remove', 'nowhere.test'],
      err: /nowhere\.test is not a local domain/,
      hint: /domains add/,
    },
    {
      name: 'remove a domain that still has accounts',
      args: ['domains', 'remove', 'example.test'],
      err: /still has 1 account\(s\) and 1 alias\(es\)/,
      hint: /remove them first/,
    },
  ];
  for (const c of bad) {
    test(`bad input: ${c.name} (exit 2)`, async () => {
      const r = await env.run(c.args);
      assert.equal(r.exitCode, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^error: .*${c.err.source}`));
      assert.match(r.stderr, new RegExp(`hint: .*${c.hint.source}`));
    });
  }

  test('a config that does not exist: exit 3 with a hint to run init', async () => {
    const r = await env.run(['--config', join(env.dir, 'nope.toml'), 'domains', 'list']);
    assert.equal(r.exitCode, 3);
    assert.match(r.stderr, /error: cannot read the config file/);
    assert.match(r.stderr, /hint: create one with `mailctl init`/);
  });
});

describe('domains, accounts, aliases end to end on a real slapd', () => {
  let s: Slapd;
  let env: CliEnv;
  before(async () => {
    await ensureBuilt(BUILT);
    s = await startSlapd();
    env = cliEnv(s.toml());
  });
  after(async () => {
    env?.cleanup();
    await s?.stop();
  });

  test('the seeded legacy domain and accounts are listed', async () => {
    assert.deepEqual(
      (await env.json<{ name: string }[]>(['domains', 'list'])).map((d) => d.name),
      ['legacy.test'],
    );
    const accounts = await env.json<{ address: string; displayName: string }[]>(['accounts', 'list']);
    assert.deepEqual(
      accounts.map((a) => [a.address, a.displayName]),
      [
        ['carol@legacy.test', 'Carol Legacy'],
        ['dave@legacy.test', 'Dave Legacy'],
      ],
    );
  });

  test('add domain, account with quota, alias, catch-all; passwd; disable; remove', async () => {
    const ok = async (args: string[], input?: string) => {
      const r = await env.run(args, input);
      assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await ok(['domains', 'add', 'corp.test']);
    await ok(
      ['accounts', 'add', 'ann@corp.test', '--password-stdin', '--quota', '2GB', '--name', 'Ann Corp'],
      'ann-password-1\n',
    );
    const ann = await env.json<{ quota: number; displayName: string; sendAs: string[] }>([
      'accounts',
      'show',
      'ann@corp.test',
    ]);
    assert.deepEqual([ann.quota, ann.displayName], [2e9, 'Ann Corp']);
    await ok(['aliases', 'add', 'info@corp.test', 'ann@corp.test', 'ext@partner.example']);
    await ok(['aliases', 'add', '@corp.test', 'ann@corp.test']);
    assert.deepEqual(await env.json(['aliases', 'list', 'corp.test']), [
      { address: '@corp.test', targets: ['ann@corp.test'] },
      { address: 'info@corp.test', targets: ['ann@corp.test', 'ext@partner.example'] },
    ]);
    assert.deepEqual((await env.json<{ sendAs: string[] }>(['accounts', 'show', 'ann@corp.test'])).sendAs, [
      'ann@corp.test',
      'info@corp.test',
    ]);
    await ok(
      ['accounts', 'passwd', 'ann@corp.test', '--current', '--password-stdin'],
      'ann-password-1\nann-password-2\n',
    );
    const wrong = await env.run(
      ['accounts', 'passwd', 'ann@corp.test', '--current', '--password-stdin'],
      'ann-password-1\nann-password-3\n',
    );
    assert.equal(wrong.exitCode, 2);
    assert.match(wrong.stderr, /the current password is wrong/);
    await ok(['accounts', 'disable', 'ann@corp.test']);
    assert.equal(
      (await env.json<{ disabled: boolean }>(['accounts', 'show', 'ann@corp.test'])).disabled,
      true,
    );
    await ok(['accounts', 'enable', 'ann@corp.test']);
    await ok(['aliases', 'remove', 'info@corp.test', 'ext@partner.example']);
    await ok(['aliases', 'remove', 'info@corp.test']);
    await ok(['aliases', 'remove', '@corp.test']);
    await ok(['accounts', 'remove', 'ann@corp.test']);
    await ok(['domains', 'remove', 'corp.test']);
  });

  test('a Dovecot passwd-file imports into LDAP and its users log in with their old passwords', async () => {
    const file = new URL('../../fixtures/passwd/dovecot-users', import.meta.url).pathname;
    const r = await env.run(['accounts', 'import', file, '--create-domains', '--domain', 'legacy.example']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /4 created, 0 skipped, 0 invalid, 0 failed/);
    const { openDirectory } = await import('../../src/directory/open.js');
    const { parseConfigText } = await import('../../src/config/load.js');
    const d = await openDirectory(parseConfigText(`hostname = "mx.example.test"\n${s.toml()}`, env.config));
    try {
      assert.equal((await d.authenticate('erin@legacy.example', 'erin-old-pass-1')).ok, true);
      assert.equal((await d.authenticate('frank@legacy.example', 'frank-old-pass-1')).ok, true);
      assert.equal((await d.authenticate('frank@legacy.example', 'erin-old-pass-1')).ok, false);
    } finally {
      await d.close();
    }
  });

  test('LDAP unreachable: exit 4 with where and hint, no hang', async () => {
    const port = await freePort();
    const dead = cliEnv(s.toml().replace(s.url, `ldap://127.0.0.1:${port}`));
    try {
      const t0 = Date.now();
      const r = await dead.run(['domains', 'list']);
      assert.equal(r.exitCode, 4, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `error: cannot reach the LDAP server.*\\n {2}where: ldap://127\\.0\\.0\\.1:${port}\\n {2}hint: is it running`,
        ),
      );
      assert.ok(Date.now() - t0 < 10_000);
    } finally {
      dead.cleanup();
    }
  });

  test('LDAP bind refused: exit 3 naming the bind DN', async () => {
    const refused = cliEnv(s.toml({ dn: LDAP_WRITER.dn, password: 'wrong-password' }));
    try {
      const r = await refused.run(['accounts', 'list']);
      assert.equal(r.exitCode, 3, r.stderr);
      assert.match(
        r.stderr,
        /error: the LDAP server refused the bind as cn=mailctl,ou=services,dc=example,dc=test/,
      );
      assert.match(r.stderr, /hint: check directory\.ldap\.bind_dn and bind_password/);
    } finally {
      refused.cleanup();
    }
  });
});
