/**
 * The one test suite every directory backend passes (SQLite and a real slapd). Each
 * backend starts with the same legacy data (fixtures/ldap/02-legacy.ldif, or the same
 * entries added through the interface for SQLite). Tests run in order and share state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Directory } from '../../src/directory/directory.js';
import { MailctlError } from '../../src/errors.js';

export interface Backend {
  name: string;
  /** A fresh directory holding the legacy seed; may be called again to reopen the same data. */
  open(): Promise<Directory>;
  /** The stored password hash, read behind the interface's back. */
  rawHash(address: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** Legacy users seeded in every backend (same hashes as fixtures/ldap/02-legacy.ldif). */
export const LEGACY = {
  domain: 'legacy.test',
  carol: {
    address: 'carol@legacy.test',
    password: 'carol-secret-1',
    hash: '{SSHA}Iu/AW9ltx4vE5fODYP/NtfrXs7ma/IDK',
    alternate: 'c.legacy@legacy.test',
  },
  dave: {
    address: 'dave@legacy.test',
    password: 'dave-secret-1',
    hash: '{CRYPT}$6$idB80cma2AomCFth$TWG/IXw2hefXS9wfPnXvKunuyexd1/w1S1XghM.DrcigSSuwRNBh3TMFlfhjR0gtiM1UCEI4iOYceJ21ALdO30',
  },
};

/** Hashes made with `doveadm pw` (fixtures/passwd/dovecot-users). */
const DOVEADM = {
  sha512: {
    hash: '{SHA512-CRYPT}$6$WcAMHYXoHRZ1fE.z$jvEXJZVWZfFYOuqNto1qJ/DHP727JmX9R7Drrzk.lhDd5O9MPQqIUMSG2tcg5VNq7R1kW3vRQSVkmSjOl0Gdp1',
    password: 'erin-old-pass-1',
  },
  blf: {
    hash: '{BLF-CRYPT}$2y$05$5CUYjVGLt/HHmi3bOOI0suV/jfSnr1gmiqMHTtbjuadTlgYCbbcxu',
    password: 'frank-old-pass-1',
  },
};

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MailctlError, `expected a MailctlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    assert.ok(e.hint === undefined || e.hint.length > 0);
    return true;
  });
}

export function directoryContract(make: () => Promise<Backend>): void {
  let b: Backend;
  let d: Directory;
  const D = 'example.test';
  const alice = { address: `alice@${D}`, password: 'alice-password-1' };

  describe('directory contract', () => {
    before(async () => {
      b = await make();
      d = await b.open();
    });
    after(async () => {
      await d?.close();
      await b?.cleanup();
    });

    test('domains: add (canonical lower-case), list, duplicate, bad syntax', async () => {
      const dom = await d.addDomain('Example.TEST');
      assert.equal(dom.name, D);
      assert.ok(await d.isLocalDomain(D));
      assert.ok(await d.isLocalDomain('EXAMPLE.test'));
      assert.equal(await d.isLocalDomain('other.test'), false);
      assert.deepEqual(
        (await d.listDomains()).map((x) => x.name),
        [D, LEGACY.domain],
      );
      await rejects(d.addDomain(D), 'exists', /already exists/);
      for (const bad of ['no_underscore.test', 'nodot', '-x.test', 'a..b', 'x@y.test', '']) {
        await rejects(d.addDomain(bad), 'invalid-input', /not a valid domain/);
      }
    });

    test('accounts: add with name and quota; bad inputs are refused clearly', async () => {
      const a = await d.addAccount({
        address: 'Alice@Example.Test',
        password: alice.password,
        displayName: 'Alice A',
        quota: 2e9,
      });
      assert.deepEqual(
        { ...a, createdAt: undefined },
        { address: alice.address, displayName: 'Alice A', quota: 2e9, disabled: false, createdAt: undefined },
      );
      await rejects(
        d.addAccount({ address: alice.address, password: alice.password }),
        'exists',
        /already exists/,
      );
      await rejects(
        d.addAccount({ address: 'bob@nowhere.test', password: 'long-enough-pw' }),
        'not-found',
        /not a local domain/,
      );
      await rejects(d.addAccount({ address: `bob@${D}`, password: 'short' }), 'invalid-input', /too short/);
      for (const bad of [
        'bob',
        'bob@',
        '@example.test',
        'bo b@example.test',
        'a"b@example.test',
        'x..y@example.test',
      ]) {
        await rejects(
          d.addAccount({ address: bad, password: 'long-enough-pw' }),
          'invalid-input',
          /not a valid mail address/,
        );
      }
      await d.addAccount({ address: `bob@${D}`, password: 'bob-password-1' });
      assert.deepEqual(
        (await d.listAccounts(D)).map((x) => x.address),
        [alice.address, `bob@${D}`],
      );
      assert.equal((await d.getAccount('ALICE@example.test'))?.displayName, 'Alice A');
      assert.equal(await d.getAccount(`nobody@${D}`), undefined);
    });

    test('authenticate: right, wrong, unknown, disabled, re-enabled', async () => {
      assert.equal((await d.authenticate(alice.address, alice.password)).ok, true);
      assert.equal((await d.authenticate('ALICE@EXAMPLE.TEST', alice.password)).ok, true);
      assert.deepEqual(await d.authenticate(alice.address, 'wrong-password'), {
        ok: false,
        reason: 'bad-password',
      });
      assert.deepEqual(await d.authenticate(`nobody@${D}`, alice.password), {
        ok: false,
        reason: 'unknown-user',
      });
      await d.setDisabled(alice.address, true);
      assert.equal((await d.getAccount(alice.address))?.disabled, true);
      assert.equal((await d.authenticate(alice.address, alice.password)).reason, 'disabled');
      await d.setDisabled(alice.address, false);
      assert.equal((await d.authenticate(alice.address, alice.password)).ok, true);
    });

    test('filter metacharacters never widen a lookup (RFC 4515)', async () => {
      for (const probe of ['*@example.test', '*)(uid=*', `*)(mail=*`, '*', `alice*@${D}`]) {
        assert.equal((await d.authenticate(probe, alice.password)).ok, false, probe);
        assert.equal(await d.getAccount(probe), undefined, probe);
      }
      assert.equal((await d.recipient('*@example.test')).kind, 'unknown-local');
    });

    test('passwords and quota change; unknown account is not-found', async () => {
      await d.setPassword(alice.address, 'alice-password-2');
      assert.equal((await d.authenticate(alice.address, alice.password)).ok, false);
      assert.equal((await d.authenticate(alice.address, 'alice-password-2')).ok, true);
      await rejects(d.setPassword(alice.address, 'tiny'), 'invalid-input', /too short/);
      await d.setQuota(alice.address, 5e9);
      assert.equal((await d.getAccount(alice.address))?.quota, 5e9);
      await rejects(d.setPassword(`ghost@${D}`, 'long-enough-pw'), 'not-found', /no account/);
      await rejects(d.setDisabled(`ghost@${D}`, true), 'not-found', /no account/);
      await rejects(d.removeAccount(`ghost@${D}`), 'not-found', /no account/);
    });

    test('legacy hashes from slapd tools authenticate and are upgraded to argon2id', async () => {
      for (const u of [LEGACY.carol, LEGACY.dave]) {
        assert.equal(await b.rawHash(u.address), u.hash);
        assert.equal((await d.authenticate(u.address, 'not-it')).ok, false);
        assert.equal((await d.authenticate(u.address, u.password)).ok, true, u.address);
        assert.match(await b.rawHash(u.address), /^\{ARGON2(ID)?\}\$argon2id\$/);
        assert.equal((await d.authenticate(u.address, u.password)).ok, true);
      }
    });

    test('imported doveadm hashes ({SHA512-CRYPT}, {BLF-CRYPT}) keep working', async () => {
      await d.addAccount({ address: `erin@${D}`, passwordHash: DOVEADM.sha512.hash });
      await d.addAccount({ address: `frank@${D}` });
      await d.setPasswordHash(`frank@${D}`, DOVEADM.blf.hash);
      assert.equal((await d.authenticate(`erin@${D}`, DOVEADM.sha512.password)).ok, true);
      assert.equal((await d.authenticate(`frank@${D}`, DOVEADM.blf.password)).ok, true);
      assert.equal((await d.authenticate(`frank@${D}`, DOVEADM.sha512.password)).ok, false);
      await rejects(d.setPasswordHash(`frank@${D}`, '{MD5-CRYPT}$1$abc$def'), 'invalid-input', /unsupported/);
      await rejects(d.setPasswordHash(`frank@${D}`, '{SHA512-CRYPT}garbage'), 'invalid-input', /malformed/);
    });

    test('aliases: local and external targets, catch-all, sub-addressing, send-as', async () => {
      const a = await d.addAlias(`Sales@${D}`, [alice.address, 'Partner@Elsewhere.org']);
      assert.deepEqual(a, { address: `sales@${D}`, targets: [alice.address, 'partner@elsewhere.org'] });
      const more = await d.addAlias(`sales@${D}`, [`bob@${D}`, alice.address]);
      assert.deepEqual([...more.targets].sort(), [alice.address, `bob@${D}`, 'partner@elsewhere.org']);
      await d.addAlias(`@${D}`, [`bob@${D}`]);
      assert.deepEqual(
        (await d.listAliases(D)).map((x) => x.address),
        [`@${D}`, `sales@${D}`],
      );
      const r1 = await d.recipient(`alice+news@${D}`);
      assert.equal(r1.kind === 'account' && r1.account.address, alice.address);
      const r2 = await d.recipient(`SALES@${D}`);
      assert.equal(r2.kind, 'alias');
      const r3 = await d.recipient(`random@${D}`);
      assert.deepEqual(r3.kind === 'alias' && r3.targets, [`bob@${D}`]);
      assert.equal((await d.recipient('someone@elsewhere.org')).kind, 'remote');
      assert.deepEqual(await d.sendableAddresses(alice.address), [alice.address, `sales@${D}`]);
      await rejects(d.addAlias(alice.address, [`bob@${D}`]), 'exists', /is an account/);
      await rejects(d.addAlias(`x@${D}`, [`x@${D}`]), 'invalid-input', /itself/);
      await rejects(d.addAlias(`x@${D}`, []), 'invalid-input', /at least one/);
      await rejects(d.addAlias(`x@${D}`, ['not an address']), 'invalid-input', /not a valid mail address/);
      await rejects(d.addAlias('x@nowhere.test', [alice.address]), 'not-found', /not a local domain/);
      await rejects(d.addAccount({ address: `sales@${D}`, password: 'long-enough-pw' }), 'exists', /alias/);
    });

    test('an LDAP-style alternate address (if the backend has one) or alias reaches carol', async () => {
      const r = await d.recipient(LEGACY.carol.alternate);
      // SQLite has no per-account alternates: the same mapping is an alias there (seeded).
      assert.ok(
        (r.kind === 'account' && r.account.address === LEGACY.carol.address) ||
          (r.kind === 'alias' && r.targets.includes(LEGACY.carol.address)),
        JSON.stringify(r),
      );
    });

    test('removal: alias target, alias, catch-all, account, domain (only when empty)', async () => {
      await d.removeAlias(`sales@${D}`, 'partner@elsewhere.org');
      assert.deepEqual(
        [...((await d.listAliases(D)).find((x) => x.address === `sales@${D}`)?.targets ?? [])].sort(),
        [alice.address, `bob@${D}`],
      );
      await rejects(d.removeAlias(`sales@${D}`, 'nobody@elsewhere.org'), 'not-found', /does not point/);
      await d.removeAlias(`sales@${D}`);
      await d.removeAlias(`@${D}`);
      await rejects(d.removeAlias(`sales@${D}`), 'not-found', /no alias/);
      assert.equal((await d.recipient(`random@${D}`)).kind, 'unknown-local');
      await rejects(d.removeDomain(D), 'invalid-input', /still has/);
      for (const u of [alice.address, `bob@${D}`, `erin@${D}`, `frank@${D}`]) await d.removeAccount(u);
      assert.deepEqual(await d.listAccounts(D), []);
      await d.removeDomain(D);
      assert.equal(await d.isLocalDomain(D), false);
      await rejects(d.removeDomain(D), 'not-found', /not a local domain/);
    });

    test('data survives close and reopen', async () => {
      await d.close();
      d = await b.open();
      assert.ok(await d.isLocalDomain(LEGACY.domain));
      assert.equal((await d.authenticate(LEGACY.carol.address, LEGACY.carol.password)).ok, true);
    });
  });
}
