/** `mailctl config check|show|describe` through the real binary: output, --json, exit codes. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'smol-toml';
import { ensureBuilt, mailctl } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-cli-config-');
const file = (name: string, text: string) => {
  const p = join(tmp.path, name);
  writeFileSync(p, text);
  return p;
};

before(async () => {
  await ensureBuilt(['cli.ts', 'commands', 'config', 'ui']);
});
after(() => tmp.cleanup());

test('check: a valid config passes (exit 0), notes go to stderr', async () => {
  const p = file(
    'ok.toml',
    'hostname = "mx.example.test"\n[listen]\nsmtp = ""\nsubmission = ""\nsubmissions = ""\nimap = ""\nimaps = ""\npop3 = ""\npop3s = ""\n',
  );
  const r = await mailctl(['--config', p, 'config', 'check']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, `ok: ${p} is valid`);
  const j = await mailctl(['config', 'check', '--json'], { env: { MAILCTL_CONFIG: p } });
  assert.deepEqual(JSON.parse(j.stdout), { ok: true, file: p, notes: [] });
});

test('check: every problem at once with file:line, key path and hint; exit 3', async () => {
  const p = file(
    'bad.toml',
    `hostname = "bad host"
data_dir = 5
[listen]
smtp = "nope"
[smtp]
max_message_size = "lots"
typo_key = 1
[directory]
backend = "ldap"
`,
  );
  const r = await mailctl(['--config', p, 'config', 'check']);
  assert.equal(r.exitCode, 3);
  assert.equal(r.stdout, '');
  const expected = [
    `error: 5 problems in the config`,
    `  ${p}:1 hostname: not a valid host name`,
    `  ${p}:2 data_dir: Invalid input: expected string, received number`,
    `  ${p}:4 listen.smtp: expected "address:port"`,
    `  ${p}:6 smtp.max_message_size: "lots" is not a size`,
    `  ${p}:7 smtp: Unrecognized key: "typo_key"`,
  ];
  for (const line of expected) assert.ok(r.stderr.includes(line), `missing: ${line}\n${r.stderr}`);
  assert.match(r.stderr, /hint: remove or correct "typo_key"; `mailctl config describe` lists every key/);
  const j = await mailctl(['--config', p, 'config', 'check', '--json']);
  assert.equal(j.exitCode, 3);
  const err = JSON.parse(j.stdout).error;
  assert.equal(err.code, 'config');
  assert.deepEqual(
    err.problems.map((x: { path: string }) => x.path),
    ['hostname', 'data_dir', 'listen.smtp', 'smtp.max_message_size', 'smtp'],
  );
});

test('check: semantic problems (ldap without its table, missing TLS files) after the schema passes', async () => {
  const p = file('sem.toml', 'hostname = "mx.example.test"\n[directory]\nbackend = "ldap"\n');
  const r = await mailctl(['--config', p, 'config', 'check']);
  assert.equal(r.exitCode, 3);
  assert.match(r.stderr, /error: 3 problems in the config/);
  assert.match(
    r.stderr,
    new RegExp(
      `${p}:2 directory.ldap: backend is "ldap" but there is no \\[directory.ldap\\] table\\n {6}hint: add \\[directory.ldap\\]`,
    ),
  );
  assert.match(r.stderr, /tls\.cert: cannot read .*tls\/cert\.pem\n {6}hint: run `mailctl init`/);
});

test('check: unreadable, missing and syntactically broken configs (exit 3)', async () => {
  const dir = join(tmp.path, 'a-directory.toml');
  mkdirSync(dir);
  let r = await mailctl(['--config', dir, 'config', 'check']);
  assert.equal(r.exitCode, 3);
  assert.match(r.stderr, /error: cannot read the config file: EISDIR/);
  r = await mailctl(['--config', join(tmp.path, 'missing.toml'), 'config', 'check']);
  assert.equal(r.exitCode, 3);
  assert.match(
    r.stderr,
    /error: cannot read the config file: ENOENT.*\n {2}where: .*missing\.toml\n {2}hint: create one with `mailctl init`/,
  );
  r = await mailctl(['config', 'check'], { cwd: tmp.path });
  assert.equal(r.exitCode, 3, 'no ./mailctl.toml');
  const broken = file('broken.toml', 'hostname = "mx.example.test"\n[listen\n');
  r = await mailctl(['--config', broken, 'config', 'check']);
  assert.equal(r.exitCode, 3);
  assert.match(r.stderr, new RegExp(`error: the config file is not valid TOML\\n {2}${broken}:2:\\d+: `));
});

test('show: defaults filled in, secrets masked, works without a file; --json', async () => {
  const p = file('secret.toml', 'hostname = "mx.example.test"\n[delivery]\nrelay_password = "hunter2"\n');
  const r = await mailctl(['--config', p, 'config', 'show']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(!r.stdout.includes('hunter2'));
  const t = parse(r.stdout) as {
    hostname: string;
    delivery: { relay_password: string; lifetime: string };
    directory: { sqlite_path: string };
  };
  assert.equal(t.hostname, 'mx.example.test');
  assert.equal(t.delivery.relay_password, '********');
  assert.equal(t.delivery.lifetime, '5d');
  assert.equal(t.directory.sqlite_path, join(tmp.path, 'data', 'accounts.sqlite'));
  const j = JSON.parse((await mailctl(['--config', p, 'config', 'show', '--json'])).stdout);
  assert.equal(j.source, p);
  assert.equal(j.config.delivery.relay_password, '********');
  assert.equal(j.config.smtp.max_message_size, 50_000_000);
  const none = await mailctl(['config', 'show'], { cwd: tmp.path });
  assert.equal(none.exitCode, 0, none.stderr);
  assert.match(none.stdout, /^# effective config from built-in defaults \(no file\)/);
});

test('describe: an annotated sample of every key; --json is the JSON Schema', async () => {
  const r = await mailctl(['config', 'describe']);
  assert.equal(r.exitCode, 0, r.stderr);
  const t = parse(r.stdout) as Record<string, Record<string, unknown>>;
  assert.equal(t.directory.backend, 'sqlite');
  assert.equal(t.smtp.max_message_size, '50MB');
  assert.match(r.stdout, /# where accounts live\n#\s+\(one of "sqlite" \| "ldap"\)\nbackend = "sqlite"/);
  const p = file('described.toml', r.stdout);
  const show = await mailctl(['--config', p, 'config', 'show', '--json']);
  assert.equal(show.exitCode, 0, show.stderr);
  const schema = JSON.parse((await mailctl(['config', 'describe', '--json'])).stdout);
  assert.equal(schema.type, 'object');
  assert.ok(schema.properties.directory.properties.ldap.properties.bind_password);
});
