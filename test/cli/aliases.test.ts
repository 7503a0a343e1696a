/** `mailctl aliases …` through the real binary: local and external targets, catch-all, errors. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SqliteDirectory } from '../../src/directory/sqlite/sqlite.js';
import { type CliEnv, cliEnv, ensureBuilt } from '../helpers/cli.js';

let env: CliEnv;
before(async () => {
  await ensureBuilt(['cli.ts', 'commands', 'directory', 'auth', 'config', 'ui']);
  env = cliEnv();
  await env.run(['domains', 'add', 'example.test']);
  await env.run(['accounts', 'add', 'alice@example.test', '--password-stdin'], 'alice-password-1\n');
  await env.run(['accounts', 'add', 'bob@example.test', '--password-stdin'], 'bob-password-1\n');
});
after(() => env?.cleanup());

async function resolve(address: string) {
  const d = SqliteDirectory.open({ path: env.db, minPasswordLength: 8 });
  try {
    return await d.recipient(address);
  } finally {
    await d.close();
  }
}

test('add an alias to a local and an external address; add more targets later', async () => {
  let r = await env.run([
    'aliases',
    'add',
    'Sales@Example.test',
    'alice@example.test',
    'Partner@Elsewhere.org',
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, 'sales@example.test → alice@example.test, partner@elsewhere.org');
  const j = await env.json(['aliases', 'add', 'sales@example.test', 'bob@example.test']);
  assert.deepEqual(j, {
    address: 'sales@example.test',
    targets: ['alice@example.test', 'partner@elsewhere.org', 'bob@example.test'],
  });
  const rec = await resolve('sales@example.test');
  assert.deepEqual(rec.kind === 'alias' && rec.targets, [
    'alice@example.test',
    'partner@elsewhere.org',
    'bob@example.test',
  ]);
  r = await env.run(['aliases', 'list']);
  assert.match(
    r.stdout,
    /^ALIAS +TARGETS\n-+ +-+\nsales@example\.test +alice@example\.test, partner@elsewhere\.org, bob@example\.test$/,
  );
});

test('per-domain catch-all', async () => {
  assert.equal((await resolve('nobody@example.test')).kind, 'unknown-local');
  const r = await env.run(['aliases', 'add', '@example.test', 'alice@example.test']);
  assert.equal(r.exitCode, 0, r.stderr);
  const rec = await resolve('nobody@example.test');
  assert.deepEqual(rec.kind === 'alias' && rec.targets, ['alice@example.test']);
  assert.match(
    (await env.run(['aliases', 'list', 'example.test'])).stdout,
    /@example\.test \(catch-all\) +alice@example\.test/,
  );
  assert.deepEqual(
    (await env.json<{ address: string }[]>(['aliases', 'list'])).map((a) => a.address),
    ['@example.test', 'sales@example.test'],
  );
});

test('remove one target, then the whole alias and the catch-all', async () => {
  let r = await env.run(['aliases', 'remove', 'sales@example.test', 'partner@elsewhere.org']);
  assert.equal(r.stdout, 'removed partner@elsewhere.org from sales@example.test');
  r = await env.run(['aliases', 'remove', 'sales@example.test']);
  assert.equal(r.stdout, 'removed alias sales@example.test');
  await env.run(['aliases', 'remove', '@example.test']);
  assert.match((await env.run(['aliases', 'list'])).stdout, /no aliases; add one with/);
});

const bad: { name: string; args: string[]; err: RegExp; hint?: RegExp }[] = [
  {
    name: 'invalid alias address',
    args: ['aliases', 'add', 'not an address', 'alice@example.test'],
    err: /"not an address" is not a valid mail address/,
    hint: /local@domain/,
  },
  {
    name: 'invalid target',
    args: ['aliases', 'add', 'x@example.test', 'bad@'],
    err: /"bad@" is not a valid mail address/,
  },
  {
    name: 'alias in a domain that is not local',
    args: ['aliases', 'add', 'x@elsewhere.test', 'alice@example.test'],
    err: /elsewhere\.test is not a local domain/,
    hint: /domains add/,
  },
  {
    name: 'alias on an account address',
    args: ['aliases', 'add', 'alice@example.test', 'bob@example.test'],
    err: /alice@example\.test is an account, not an alias/,
  },
  {
    name: 'alias pointing at itself',
    args: ['aliases', 'add', 'loop@example.test', 'loop@example.test'],
    err: /alias loop@example\.test cannot point at itself/,
  },
  {
    name: 'remove an unknown alias',
    args: ['aliases', 'remove', 'ghost@example.test'],
    err: /no alias ghost@example\.test/,
    hint: /aliases list/,
  },
  {
    name: 'catch-all of an invalid domain',
    args: ['aliases', 'add', '@bad_domain', 'alice@example.test'],
    err: /"bad_domain" is not a valid domain name/,
  },
];
for (const c of bad) {
  test(`bad input: ${c.name} (exit 2)`, async () => {
    const r = await env.run(c.args);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ${c.err.source}`));
    if (c.hint) assert.match(r.stderr, new RegExp(`hint: .*${c.hint.source}`));
  });
}

test('missing targets is a usage error from the argument parser', async () => {
  const r = await env.run(['aliases', 'add', 'x@example.test']);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /missing required argument 'targets'/);
});
