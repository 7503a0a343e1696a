/**
 * The directory contract against a real OpenLDAP slapd, plus what only LDAP can get wrong:
 * unreachable or silent servers, refused binds, a read-only bind DN, and interop of the
 * hashes we write with slapd's own password check.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import type { Directory } from '../../src/directory/directory.js';
import { openDirectory } from '../../src/directory/open.js';
import { MailctlError } from '../../src/errors.js';
import { freePort } from '../helpers/proc.js';
import {
  LDAP_READER,
  LDAP_ROOT_DN,
  LDAP_ROOT_PW,
  LDAP_SUFFIX,
  type Slapd,
  startSlapd,
} from '../helpers/slapd.js';
import { directoryContract } from './directory-contract.js';

const configFor = (toml: string) =>
  parseConfigText(`hostname = "mx.example.test"\n${toml}`, '/tmp/mailctl-ldap-test.toml');

function rawHash(s: Slapd, address: string): string {
  const out = execFileSync(
    'ldapsearch',
    [
      '-x',
      '-LLL',
      '-o',
      'ldif-wrap=no',
      '-H',
      s.url,
      '-D',
      LDAP_ROOT_DN,
      '-w',
      LDAP_ROOT_PW,
      '-b',
      LDAP_SUFFIX,
      `(mail=${address})`,
      'userPassword',
    ],
    { encoding: 'utf8' },
  );
  const line = out.split('\n').find((l) => l.startsWith('userPassword'));
  if (!line) return '';
  return line.startsWith('userPassword:: ')
    ? Buffer.from(line.slice(15), 'base64').toString('utf8')
    : line.slice(14);
}

directoryContract(async () => {
  const s = await startSlapd();
  const config = configFor(s.toml());
  return {
    name: 'ldap',
    open: () => openDirectory(config),
    rawHash: async (a) => rawHash(s, a),
    cleanup: () => s.stop(),
  };
});

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<MailctlError> {
  let caught: MailctlError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MailctlError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught as MailctlError;
}

describe('ldap: failures and interop', () => {
  let s: Slapd;
  before(async () => {
    s = await startSlapd();
  });
  after(async () => {
    await s?.stop();
  });

  test('nothing listening: "cannot reach" after the retries, quickly', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const e = await expectError(
      openDirectory(configFor(s.toml().replace(s.url, `ldap://127.0.0.1:${port}`))),
      'unreachable',
      /cannot reach the LDAP server/,
    );
    assert.equal(e.where, `ldap://127.0.0.1:${port}`);
    assert.match(e.hint ?? '', /tried 2 time/);
    assert.ok(Date.now() - t0 < 5000);
  });

  test('a server that accepts and never answers does not hang a command (timeout)', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const toml = s
      .toml()
      .replace(s.url, `ldap://127.0.0.1:${port}`)
      .replace('timeout = 2000', 'timeout = 300');
    const t0 = Date.now();
    try {
      await expectError(openDirectory(configFor(toml)), 'unreachable', /cannot reach the LDAP server/);
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    } finally {
      for (const x of sockets) x.destroy();
      silent.close();
    }
  });

  test('a wrong bind password is refused with a hint about bind_dn/bind_password', async () => {
    const e = await expectError(
      openDirectory(configFor(s.toml({ dn: LDAP_READER.dn, password: 'wrong' }))),
      'config',
      /refused the bind/,
    );
    assert.match(e.hint ?? '', /bind_password/);
  });

  test('a read-only bind DN can authenticate but not write; the login still succeeds', async () => {
    const writer: Directory = await openDirectory(configFor(s.toml()));
    const reader: Directory = await openDirectory(configFor(s.toml(LDAP_READER)));
    try {
      await writer.addDomain('ro.test');
      await writer.addAccount({
        address: 'olga@ro.test',
        passwordHash: '{SSHA}Iu/AW9ltx4vE5fODYP/NtfrXs7ma/IDK',
      });
      const e = await expectError(
        reader.addAccount({ address: 'pat@ro.test', password: 'long-enough-pw' }),
        'config',
        /may not do this/,
      );
      assert.match(e.hint ?? '', /write access/);
      // The rehash after login fails for lack of rights: the login is still OK and the old hash stays.
      assert.equal((await reader.authenticate('olga@ro.test', 'carol-secret-1')).ok, true);
      assert.equal(rawHash(s, 'olga@ro.test'), '{SSHA}Iu/AW9ltx4vE5fODYP/NtfrXs7ma/IDK');
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  test("passwords mailctl writes are {ARGON2} that slapd's own bind accepts (pw-argon2)", async () => {
    const d = await openDirectory(configFor(s.toml()));
    try {
      if (!(await d.isLocalDomain('bind.test'))) await d.addDomain('bind.test');
      await d.addAccount({ address: 'quinn@bind.test', password: 'quinn-password-1' });
      assert.match(rawHash(s, 'quinn@bind.test'), /^\{ARGON2\}\$argon2id\$/);
      const who = execFileSync(
        'ldapwhoami',
        ['-x', '-H', s.url, '-D', `uid=quinn@bind.test,ou=people,${LDAP_SUFFIX}`, '-w', 'quinn-password-1'],
        { encoding: 'utf8' },
      );
      assert.match(who, /uid=quinn@bind.test/);
      assert.equal((await d.authenticate('quinn@bind.test', 'quinn-password-1')).ok, true);
    } finally {
      await d.close();
    }
  });

  test('the daemon survives an LDAP restart: the next call reconnects', async () => {
    const d = await openDirectory(configFor(s.toml()));
    try {
      assert.ok(await d.isLocalDomain('legacy.test'));
      // While slapd is down the call fails clearly; after it is back the same Directory reconnects.
      await s.peer.stop();
      await assert.rejects(d.isLocalDomain('legacy.test'), /cannot reach/);
      await s.restart();
      assert.ok(await d.isLocalDomain('legacy.test'));
    } finally {
      await d.close();
    }
  });
});

describe('ldap: StartTLS', () => {
  let s: Slapd;
  before(async () => {
    s = await startSlapd({ tls: true });
  });
  after(async () => {
    await s?.stop();
  });

  test('with the CA configured, StartTLS works and logins succeed', async () => {
    const toml = `${s.toml()}starttls = true\nca = "${s.certs?.caCert}"\n`;
    const d = await openDirectory(configFor(toml));
    try {
      assert.equal((await d.authenticate('carol@legacy.test', 'carol-secret-1')).ok, true);
    } finally {
      await d.close();
    }
  });

  test('ldaps:// (implicit TLS) with the CA configured works too', async () => {
    const toml = `${s.toml().replace(s.url, s.ldapsUrl ?? '')}ca = "${s.certs?.caCert}"\n`;
    const d = await openDirectory(configFor(toml));
    try {
      assert.ok(await d.isLocalDomain('legacy.test'));
    } finally {
      await d.close();
    }
  });

  test('an untrusted server certificate is a clear error, not a silent plaintext fallback', async () => {
    const e = await expectError(
      openDirectory(configFor(`${s.toml()}starttls = true\n`)),
      'config',
      /certificate is not trusted: self[- ]signed certificate/i,
    );
    assert.match(e.hint ?? '', /directory\.ldap\.ca/);
  });
});

test('ldap: many concurrent lookups share one connection and all answer', async () => {
  const s = await startSlapd();
  try {
    const { parseConfigText } = await import('../../src/config/load.js');
    const accepted = () => s.peer.log().match(/ACCEPT from IP=/g)?.length ?? 0;
    const before = accepted();
    const d = await openDirectory(
      parseConfigText(`hostname = "mx.example.test"\n${s.toml()}`, '/tmp/x.toml'),
    );
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => d.recipient(i % 2 ? 'carol@legacy.test' : 'nobody@legacy.test')),
      );
      assert.deepEqual(new Set(answers.map((a) => a.kind)), new Set(['account', 'unknown-local']));
      assert.equal(accepted() - before, 1, 'one connection for 50 concurrent lookups');
    } finally {
      await d.close();
    }
  } finally {
    await s.stop();
  }
});
