/**
 * `mailctl accounts …` through the real binary on SQLite: every subcommand, table and
 * --json, the import of a CSV and of a Dovecot passwd-file, and every bad input the issue
 * lists, each with its message, hint and exit code.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteDirectory } from '../../src/directory/sqlite/sqlite.js';
import { type CliEnv, cliEnv, ensureBuilt } from '../helpers/cli.js';
import { requireProgram } from '../helpers/proc.js';

const BUILT = ['cli.ts', 'commands', 'directory', 'auth', 'config', 'ui'];

async function login(env: CliEnv, address: string, password: string): Promise<boolean> {
  const d = SqliteDirectory.open({ path: env.db, minPasswordLength: 8 });
  try {
    return (await d.authenticate(address, password)).ok;
  } finally {
    await d.close();
  }
}

describe('accounts', () => {
  let env: CliEnv;
  before(async () => {
    await ensureBuilt(BUILT);
    env = cliEnv();
    const r = await env.run(['domains', 'add', 'example.test']);
    assert.equal(r.exitCode, 0, r.stderr);
  });
  after(() => env?.cleanup());

  test('add with --password-stdin, --quota and --name; list as table and JSON; show', async () => {
    const r = await env.run(
      [
        'accounts',
        'add',
        'Alice@Example.test',
        '--password-stdin',
        '--quota',
        '2GB',
        '--name',
        'Alice Adams',
      ],
      'alice-password-1\n',
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'created alice@example.test');
    await env.run(['accounts', 'add', 'bob@example.test', '--password-stdin'], 'bob-password-1\n');
    const table = await env.run(['accounts', 'list']);
    assert.match(table.stdout, /^ADDRESS +NAME +QUOTA +STATE +CREATED\n-+/);
    assert.match(table.stdout, /alice@example\.test +Alice Adams +2 GB +active/);
    assert.match(table.stdout, /bob@example\.test +unlimited +active/);
    const list = await env.json<{ address: string; quota: number; displayName: string; disabled: boolean }[]>(
      ['accounts', 'list', 'example.test'],
    );
    assert.deepEqual(
      list.map((a) => [a.address, a.quota, a.displayName, a.disabled]),
      [
        ['alice@example.test', 2e9, 'Alice Adams', false],
        ['bob@example.test', 0, '', false],
      ],
    );
    const show = await env.json<{ address: string; sendAs: string[] }>([
      'accounts',
      'show',
      'alice@example.test',
    ]);
    assert.deepEqual(show.sendAs, ['alice@example.test']);
    assert.match((await env.run(['accounts', 'show', 'alice@example.test'])).stdout, /quota: +2 GB/);
    assert.equal(await login(env, 'alice@example.test', 'alice-password-1'), true);
  });

  test('passwd, with and without the current password; disable, enable, quota, remove', async () => {
    let r = await env.run(
      ['accounts', 'passwd', 'alice@example.test', '--password-stdin'],
      'alice-password-2\n',
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await login(env, 'alice@example.test', 'alice-password-2'), true);
    r = await env.run(
      ['accounts', 'passwd', 'alice@example.test', '--current', '--password-stdin'],
      'alice-password-2\nalice-password-3\n',
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await login(env, 'alice@example.test', 'alice-password-3'), true);
    r = await env.run(['accounts', 'disable', 'alice@example.test']);
    assert.equal(r.stdout, 'disabled alice@example.test');
    assert.equal(await login(env, 'alice@example.test', 'alice-password-3'), false);
    assert.match((await env.run(['accounts', 'list'])).stdout, /alice@example\.test .* disabled/);
    await env.run(['accounts', 'enable', 'alice@example.test']);
    assert.equal(await login(env, 'alice@example.test', 'alice-password-3'), true);
    r = await env.run(['accounts', 'quota', 'bob@example.test', '500MiB']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      (await env.json<{ quota: number }>(['accounts', 'show', 'bob@example.test'])).quota,
      500 * 1024 ** 2,
    );
    await env.run(['accounts', 'add', 'tmp@example.test', '--password-stdin'], 'tmp-password-1\n');
    r = await env.run(['accounts', 'remove', 'tmp@example.test']);
    assert.match(r.stdout, /removed tmp@example\.test/);
    assert.equal((await env.json<unknown[]>(['accounts', 'list'])).length, 2);
  });

  test('on a terminal the password is prompted twice without echo (real pty via script(1))', async () => {
    requireProgram('script', 'bsdutils');
    const { spawn } = await import('node:child_process');
    const { bin } = await import('../helpers/cli.js');
    const child = spawn(
      'script',
      ['-qec', `node ${bin} --config ${env.config} accounts add tty@example.test`, '/dev/null'],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let screen = '';
    const waitFor = (text: string, from: number) =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          const at = screen.indexOf(text, from);
          if (at >= 0) {
            child.stdout.off('data', onData);
            resolve(at + text.length);
          }
        };
        const onData = (b: Buffer) => {
          screen += b.toString();
          check();
        };
        child.stdout.on('data', onData);
        child.once('exit', () => reject(new Error(`exited before "${text}":\n${screen}`)));
        check();
      });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let at = await waitFor('New password: ', 0);
    child.stdin.write('tty-password-1\r');
    at = await waitFor('Repeat it: ', at);
    child.stdin.write('tty-password-1\r');
    await waitFor('created tty@example.test', at);
    assert.equal(await exited, 0);
    assert.ok(!screen.includes('tty-password-1'), `the password was echoed:\n${screen}`);
    assert.equal(await login(env, 'tty@example.test', 'tty-password-1'), true);
    await env.run(['accounts', 'remove', 'tty@example.test']);
  });

  describe('bad input gets a clear error and the documented exit code', () => {
    const cases: {
      name: string;
      args: string[];
      input?: string;
      code: number;
      err: RegExp;
      hint?: RegExp;
    }[] = [
      {
        name: 'invalid address',
        args: ['accounts', 'add', 'not-an-address', '--password-stdin'],
        input: 'long-password-1\n',
        code: 2,
        err: /"not-an-address" is not a valid mail address/,
        hint: /local@domain/,
      },
      {
        name: 'invalid domain in address',
        args: ['accounts', 'add', 'x@bad_domain', '--password-stdin'],
        input: 'long-password-1\n',
        code: 2,
        err: /not a valid mail address/,
      },
      {
        name: 'domain that is not local',
        args: ['accounts', 'add', 'x@elsewhere.test', '--password-stdin'],
        input: 'long-password-1\n',
        code: 2,
        err: /elsewhere\.test is not a local domain/,
        hint: /domains add elsewhere\.test/,
      },
      {
        name: 'duplicate account',
        args: ['accounts', 'add', 'bob@example.test', '--password-stdin'],
        input: 'long-password-1\n',
        code: 2,
        err: /account bob@example\.test already exists/,
        hint: /accounts passwd/,
      },
      {
        name: 'password too short',
        args: ['accounts', 'add', 'carl@example.test', '--password-stdin'],
        input: 'short\n',
        code: 2,
        err: /password is too short \(5 characters\)/,
        hint: /at least 8 characters \(directory\.min_password_length\)/,
      },
      {
        name: 'unknown account (show)',
        args: ['accounts', 'show', 'ghost@example.test'],
        code: 2,
        err: /no account ghost@example\.test/,
        hint: /accounts list/,
      },
      {
        name: 'unknown account (passwd)',
        args: ['accounts', 'passwd', 'ghost@example.test', '--password-stdin'],
        input: 'long-password-1\n',
        code: 2,
        err: /no account ghost@example\.test/,
      },
      {
        name: 'unknown account (disable)',
        args: ['accounts', 'disable', 'ghost@example.test'],
        code: 2,
        err: /no account/,
      },
      {
        name: 'unknown account (remove)',
        args: ['accounts', 'remove', 'ghost@example.test'],
        code: 2,
        err: /no account/,
      },
      {
        name: 'wrong current password',
        args: ['accounts', 'passwd', 'bob@example.test', '--current', '--password-stdin'],
        input: 'not-the-password\nnew-password-1\n',
        code: 2,
        err: /current password is wrong/,
        hint: /nothing was changed/,
      },
      {
        name: 'bad quota',
        args: ['accounts', 'add', 'q@example.test', '--quota', 'lots', '--password-stdin'],
        input: 'long-password-1\n',
        code: 2,
        err: /--quota "lots" is not a size/,
        hint: /2GB/,
      },
      {
        name: 'no password and no terminal',
        args: ['accounts', 'add', 'carl@example.test'],
        code: 2,
        err: /stdin is not a terminal/,
        hint: /--password-stdin/,
      },
      {
        name: 'empty --password-stdin',
        args: ['accounts', 'add', 'carl@example.test', '--password-stdin'],
        input: '',
        code: 2,
        err: /line 1 of stdin is empty/,
      },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const r = await env.run(c.args, c.input);
        assert.equal(r.exitCode, c.code, `${r.stdout}\n${r.stderr}`);
        assert.match(String(r.stderr), new RegExp(`^error: .*${c.err.source}`));
        if (c.hint) assert.match(String(r.stderr), new RegExp(`hint: .*${c.hint.source}`));
      });
    }
    test('--json errors are JSON on stdout with code, message and hint', async () => {
      const r = await env.run(['accounts', 'show', 'ghost@example.test', '--json']);
      assert.equal(r.exitCode, 2);
      assert.deepEqual(JSON.parse(String(r.stdout)), {
        error: {
          code: 'not-found',
          message: 'no account ghost@example.test',
          hint: 'see `mailctl accounts list`',
        },
      });
    });
    test('bob was not changed by any of the failures', async () => {
      assert.equal(await login(env, 'bob@example.test', 'bob-password-1'), true);
      assert.equal((await env.json<unknown[]>(['accounts', 'list'])).length, 2);
    });
  });

  test('database locked by another process: clear error, exit 3, nothing written', async () => {
    const other = new Database(env.db);
    try {
      other.exec('BEGIN EXCLUSIVE');
      const t0 = Date.now();
      const r = await env.run(['domains', 'add', 'locked.test']);
      assert.equal(r.exitCode, 3, r.stderr);
      assert.match(
        String(r.stderr),
        /error: the account database is locked by another process\n {2}where: .*accounts\.sqlite\n {2}hint: .*retry/,
      );
      assert.ok(Date.now() - t0 < 15_000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal(
      (await env.json<{ name: string }[]>(['domains', 'list'])).some((d) => d.name === 'locked.test'),
      false,
    );
  });

  test('database read-only for the user running mailctl: clear error, exit 3', async () => {
    const r = await env.run(['accounts', 'add', 'ro@example.test', '--password-stdin'], 'long-password-1\n');
    assert.equal(r.exitCode, 0);
    // Root ignores file modes, so run the binary as nobody against root's 0644 file.
    const { execa } = await import('execa');
    const { bin } = await import('../helpers/cli.js');
    const ro = await execa('node', [bin, '--config', env.config, 'accounts', 'remove', 'ro@example.test'], {
      reject: false,
      uid: 65534,
      gid: 65534,
      env: { NO_COLOR: '1', HOME: '/tmp' },
    });
    assert.equal(ro.exitCode, 3, `${ro.stdout}${ro.stderr}`);
    assert.match(
      String(ro.stderr),
      /error: (the account database is read-only|cannot open the account database)/,
    );
    assert.match(String(ro.stderr), /hint: .*(writable|permissions)/);
    assert.equal(
      (await env.json<{ address: string }[]>(['accounts', 'list'])).some(
        (a) => a.address === 'ro@example.test',
      ),
      true,
    );
  });
});

describe('accounts import', () => {
  let env: CliEnv;
  before(async () => {
    await ensureBuilt(BUILT);
    env = cliEnv();
    await env.run(['domains', 'add', 'example.test']);
  });
  after(() => env?.cleanup());

  test('a CSV failing on line 40 reports 1–39 created and 40 invalid; the re-run finishes it', async () => {
    const csv = join(env.dir, 'users.csv');
    const lines = ['address,password,name,quota'];
    for (let i = 1; i <= 38; i++) lines.push(`user${i}@example.test,password-number-${i},User ${i},1GB`);
    lines.push('user39@example.test'); // line 40: fields missing
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const r = await env.run(['accounts', 'import', csv]);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(String(r.stdout), /38 created, 0 skipped, 1 invalid, 0 failed/);
    assert.match(String(r.stdout), / 40 +user39@example\.test +invalid +3 field\(s\) missing/);
    assert.match(
      String(r.stderr),
      new RegExp(
        `error: 1 of 39 line\\(s\\) were not imported\\n {2}${csv}:40 user39@example.test: 3 field\\(s\\) missing`,
      ),
    );
    assert.match(String(r.stderr), /hint: fix those lines and run the same command again/);
    lines[39] = 'user39@example.test,password-number-39,User 39,1GB';
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const j = await env.json<{ summary: Record<string, number>; lines: { line: number; status: string }[] }>([
      'accounts',
      'import',
      csv,
    ]);
    assert.deepEqual(j.summary, {
      file: csv,
      format: 'csv',
      created: 1,
      skipped: 38,
      invalid: 0,
      failed: 0,
      notAttempted: 0,
    } as unknown as Record<string, number>);
    assert.deepEqual(j.lines.at(-1), { line: 40, address: 'user39@example.test', status: 'created' });
    assert.equal(await login(env, 'user39@example.test', 'password-number-39'), true);
    assert.equal(await login(env, 'user7@example.test', 'password-number-7'), true);
  });

  test('CSV problems per line: missing password, short password, bad address, foreign domain', async () => {
    const csv = join(env.dir, 'bad.csv');
    writeFileSync(
      csv,
      'address,password\nnopw@example.test,\nshort@example.test,abc\nnot an address,long-password-1\nx@foreign.test,long-password-1\nok@example.test,long-password-1\n',
    );
    const r = await env.run(['accounts', 'import', csv, '--json']);
    assert.equal(r.exitCode, 2);
    const j = JSON.parse(String(r.stdout)) as { lines: { line: number; status: string; detail?: string }[] };
    assert.deepEqual(
      j.lines.map((l) => [l.line, l.status, l.detail]),
      [
        [2, 'invalid', 'no password and no password_hash'],
        [3, 'invalid', 'the password is too short (3 characters)'],
        [4, 'invalid', '"not an address" is not a valid mail address'],
        [5, 'invalid', 'foreign.test is not a local domain (add it, or pass --create-domains)'],
        [6, 'created', undefined],
      ],
    );
  });

  test('a Dovecot passwd-file: {SHA512-CRYPT} and {BLF-CRYPT} users log in with their old passwords', async () => {
    const file = join(env.dir, 'passwd');
    copyFileSync(new URL('../../fixtures/passwd/dovecot-users', import.meta.url), file);
    let r = await env.run(['accounts', 'import', file]);
    assert.equal(r.exitCode, 2, 'legacy.example is not local yet');
    assert.match(String(r.stdout), /0 created, 0 skipped, 4 invalid/);
    r = await env.run(['accounts', 'import', file, '--create-domains', '--domain', 'legacy.example']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(String(r.stdout), /4 created, 0 skipped, 0 invalid, 0 failed/);
    // Plaintexts recorded in fixtures/passwd/dovecot-users (hashes made with doveadm pw).
    for (const [user, pw] of [
      ['erin@legacy.example', 'erin-old-pass-1'],
      ['frank@legacy.example', 'frank-old-pass-1'],
      ['grace@legacy.example', 'grace-old-pass-1'],
      ['heidi@legacy.example', 'heidi-old-pass-1'],
    ]) {
      assert.equal(await login(env, user, 'wrong-password'), false, user);
      assert.equal(await login(env, user, pw), true, user);
    }
    const erin = await env.json<{ quota: number; displayName: string }>([
      'accounts',
      'show',
      'erin@legacy.example',
    ]);
    assert.deepEqual([erin.quota, erin.displayName], [1024 ** 3, 'Erin Example']);
    // After the first login the hash was upgraded to argon2id.
    const db = new Database(env.db, { readonly: true });
    const h = db
      .prepare('SELECT password_hash FROM accounts WHERE address = ?')
      .get('frank@legacy.example') as { password_hash: string };
    db.close();
    assert.match(h.password_hash, /^\{ARGON2ID\}\$argon2id\$/);
    r = await env.run(['accounts', 'import', file, '--domain', 'legacy.example']);
    assert.equal(r.exitCode, 0);
    assert.match(String(r.stdout), /0 created, 4 skipped/);
  });

  test('an unreadable import file and an unknown format are usage errors', async () => {
    let r = await env.run(['accounts', 'import', join(env.dir, 'missing.csv')]);
    assert.equal(r.exitCode, 2);
    assert.match(String(r.stderr), /error: cannot read .*missing\.csv/);
    r = await env.run(['accounts', 'import', env.config, '--format', 'xml']);
    assert.equal(r.exitCode, 2);
    assert.match(String(r.stderr), /--format xml is not known/);
  });
});
