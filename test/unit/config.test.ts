/** config describe / show / check: generated from the schema, round-trippable, every problem at once. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkConfig } from '../../src/config/check.js';
import { describeConfig } from '../../src/config/describe.js';
import { parseConfigText } from '../../src/config/load.js';
import { effectiveConfig, MASK, showConfig } from '../../src/config/show.js';
import { msText } from '../../src/config/toml-value.js';
import { ProblemsError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

const strip = (c: ReturnType<typeof parseConfigText>) => {
  const { source: _s, baseDir: _b, notes: _n, ...rest } = c;
  return rest;
};

test('describe: valid TOML that loads to exactly the defaults, and documents every section', () => {
  const sample = describeConfig();
  const fromSample = parseConfigText(sample, '/x/mailctl.toml', { privileged: false });
  const defaults = parseConfigText('', '/x/mailctl.toml', { privileged: false });
  assert.deepEqual(strip(fromSample), strip(defaults));
  for (const section of [
    '[listen]',
    '[tls]',
    '[dns]',
    '[directory]',
    '# [directory.ldap]',
    '[smtp]',
    '[dkim]',
    '[delivery]',
    '[imap]',
    '[pop3]',
    '[log]',
  ]) {
    assert.ok(sample.includes(`\n${section}\n`), section);
  }
  assert.match(sample, /# largest message accepted .*\n#\s+\(size: .*\)\nmax_message_size = "50MB"/);
  assert.match(sample, /\(one of "sqlite" \| "ldap"\)\nbackend = "sqlite"/);
  // Uncommenting the LDAP table gives a valid config too.
  const start = sample.indexOf('# [directory.ldap]');
  const end = sample.indexOf('\n[', start);
  const block = sample.slice(start, end).replace(/^# (\[directory\.ldap\]|[a-z_]+ = .*)$/gm, '$1');
  const ldap = sample.slice(0, start) + block + sample.slice(end);
  assert.ok(parseConfigText(ldap, '/x/mailctl.toml').directory.ldap);
});

test('show: effective values, durations as unit strings, secrets masked, feeds back identically', () => {
  const text = `hostname = "mx.example.test"
[delivery]
relay_password = "hunter2"
lifetime = "3d"
[imap]
idle_timeout = 1800
[directory]
backend = "ldap"
[directory.ldap]
bind_password = "s3cret"
base_dn = "dc=example,dc=test"
`;
  const c = parseConfigText(text, '/etc/mailctl/mailctl.toml', { privileged: false });
  const shown = showConfig(c);
  assert.ok(!shown.includes('hunter2') && !shown.includes('s3cret'));
  assert.match(shown, /relay_password = "\*{8}"/);
  assert.match(shown, /bind_password = "\*{8}"/);
  assert.match(shown, /lifetime = "3d"/);
  assert.match(shown, /idle_timeout = "30m"/);
  assert.match(shown, /max_message_size = 50000000 {2}# bytes/);
  assert.match(shown, /smtp = "0\.0\.0\.0:2525"/);
  assert.match(shown, /# note: not root: smtp listens on 0\.0\.0\.0:2525/);
  assert.match(shown, /data_dir = "\/etc\/mailctl\/data"/);
  const again = parseConfigText(shown, '/etc/mailctl/mailctl.toml', { privileged: false });
  assert.deepEqual(effectiveConfig(again), effectiveConfig(c));
  assert.equal(JSON.stringify(effectiveConfig(c)).includes('hunter2'), false);
  assert.equal(MASK, '********');
});

test('msText picks the largest exact unit', () => {
  assert.deepEqual([0, 100, 2000, 90_000, 1_800_000, 14_400_000, 432_000_000].map(msText), [
    '0ms',
    '100ms',
    '2s',
    '90s',
    '30m',
    '4h',
    '5d',
  ]);
});

test('check: every problem at once, each with file:line, key path and hint', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'mailctl.toml');
    writeFileSync(
      file,
      `hostname = "not a host"
data_dir = 7
[listen]
smtp = "localhost"
[smtp]
max_message_size = "lots"
bogus = true
[directory]
backend = "ldap"
`,
    );
    assert.throws(
      () => checkConfig(file),
      (e: unknown) => {
        assert.ok(e instanceof ProblemsError);
        assert.equal(e.exitCode, 3);
        const got = e.problems.map((p) => `${p.where.replace(tmp.path, '')} ${p.path}`).sort();
        assert.deepEqual(got, [
          '/mailctl.toml:1 hostname',
          '/mailctl.toml:2 data_dir',
          '/mailctl.toml:4 listen.smtp',
          '/mailctl.toml:6 smtp.max_message_size',
          '/mailctl.toml:7 smtp',
        ]);
        assert.ok(e.problems.find((p) => p.path === 'smtp')?.hint?.includes('config describe'));
        return true;
      },
    );
  } finally {
    tmp.cleanup();
  }
});

test('check: cross-field rules and missing files are problems too, with lines where the key is written', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'mailctl.toml');
    writeFileSync(
      file,
      `hostname = "mx.example.test"\n[dkim]\nselector = "s1"\n[directory]\nbackend = "ldap"\n`,
    );
    assert.throws(
      () => checkConfig(file),
      (e: unknown) => {
        assert.ok(e instanceof ProblemsError);
        const paths = e.problems.map((p) => p.path).sort();
        assert.deepEqual(paths, ['directory.ldap', 'dkim.key', 'tls.cert', 'tls.key']);
        assert.equal(e.problems.find((p) => p.path === 'dkim.key')?.where, `${file}:2`);
        assert.ok(e.problems.every((p) => p.hint));
        return true;
      },
    );
  } finally {
    tmp.cleanup();
  }
});

test('check: broken TOML is reported with line and column', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'mailctl.toml');
    writeFileSync(file, 'hostname = "mx.example.test"\n[listen\nsmtp = 1\n');
    assert.throws(
      () => checkConfig(file),
      (e: unknown) => {
        assert.ok(e instanceof ProblemsError);
        assert.match(e.problems[0].where, /mailctl\.toml:2:\d+$/);
        return true;
      },
    );
  } finally {
    tmp.cleanup();
  }
});

test('fixtures/config: the sample configs load; every-problem.toml reports each mistake at its line', () => {
  const dir = new URL('../../fixtures/config/', import.meta.url).pathname;
  for (const name of ['minimal.toml', 'ldap.toml']) {
    const c = parseConfigText(readFileSync(join(dir, name), 'utf8'), join(dir, name), { privileged: false });
    assert.ok(c.hostname);
  }
  const ldap = parseConfigText(readFileSync(join(dir, 'ldap.toml'), 'utf8'), join(dir, 'ldap.toml'));
  assert.equal(ldap.directory.ldap?.starttls, true);
  assert.equal(ldap.listen.submissions, '');
  const file = join(dir, 'every-problem.toml');
  assert.throws(
    () => checkConfig(file),
    (e: unknown) => {
      assert.ok(e instanceof ProblemsError);
      const lines = e.problems.map((p) => Number(p.where.split(':').at(-1))).sort((a, b) => a - b);
      assert.deepEqual(lines, [3, 4, 7, 8, 11, 12, 13, 16, 17]);
      return true;
    },
  );
});
