/** Operator inputs for `mailctl size`: units accepted, bad values rejected all at once with hints; calibration. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MailctlError, ProblemsError } from '../../src/errors.js';
import { defaults } from '../../src/sizing/assumptions.js';
import { applyProfile, fitCpu, type Profile, readProfile } from '../../src/sizing/calibrate.js';
import { parseInputs } from '../../src/sizing/inputs.js';

test('units: 80KB, 2GiB, 3y, 90d, 46%, 10k', () => {
  const { assumptions: a, given } = parseInputs({
    users: '10k',
    messageSize: '80KB',
    quota: '2GiB',
    retentionYears: '3y',
    junkDays: '2w',
    logDays: '90d',
    spamShare: '46%',
    imapShare: '0.7',
    archive: 'off',
  });
  assert.equal(a.users, 10_000);
  assert.equal(a.messageSize, 80_000);
  assert.equal(a.quota, 2 * 1024 ** 3);
  assert.equal(a.retentionYears, 3);
  assert.equal(a.junkDays, 14);
  assert.equal(a.logDays, 90);
  assert.equal(a.spamShare, 0.46);
  assert.equal(a.imapShare, 0.7);
  assert.equal(a.archive, false);
  assert.ok(given.includes('messageSize'));
  assert.equal(a.receivedPerDay, defaults().receivedPerDay);
});

function problemsOf(raw: Parameters<typeof parseInputs>[0]) {
  try {
    parseInputs(raw);
  } catch (e) {
    assert.ok(e instanceof ProblemsError, String(e));
    return e.problems;
  }
  assert.fail('expected an error');
}

test('bad inputs: negative users, size 0, unknown unit — all reported together, each with a hint', () => {
  const problems = problemsOf({
    users: '-5',
    messageSize: '0',
    retentionYears: '3 parsecs',
    spamShare: '120%',
  });
  assert.equal(problems.length, 4);
  const by = (flag: string) => problems.find((p) => p.where.startsWith(flag))!;
  assert.match(by('--users').message, /between 1 and/);
  assert.match(by('--users').hint ?? '', /--users 500/);
  assert.match(by('--message-size').message, /between 1 and/);
  assert.match(by('--retention').message, /not understood/);
  assert.match(by('--retention').hint ?? '', /3y/);
  assert.match(by('--spam-share').message, /between 0 and/);
  for (const p of problems) assert.ok(p.hint, `${p.where} has a hint`);
});

test('bad inputs: users missing, not a number, unknown size unit', () => {
  assert.match(problemsOf({})[0].message, /required/);
  assert.match(problemsOf({ users: 'many' })[0].hint ?? '', /whole number/);
  assert.match(problemsOf({ users: '5', messageSize: '10 parsecs' })[0].hint ?? '', /80KB/);
});

test('implausible but legal inputs become warnings', () => {
  const { warnings } = parseInputs({ users: '500', receivedPerDay: '5000' });
  assert.ok(warnings.some((w) => w.includes('messages received')));
});

const profile: Profile = {
  kind: 'mailctl-bench-profile',
  version: 1,
  measuredAt: '2026-01-01T00:00:00Z',
  host: { hostname: 'h', cpus: 2, cpuModel: 'test cpu' },
  target: '127.0.0.1:25',
  cpuMsPerMessage: 1.5,
  cpuMsPerKiB: 0.01,
  fsyncMs: 0.3,
  memPerConnection: 50_000,
};

test('calibration replaces CPU, fsync and memory costs, unless given on the command line', () => {
  const a = defaults();
  const cal = applyProfile(a, readProfile(profile, 'p.json'));
  assert.equal(cal.assumptions.cpuMsPerMessage, 1.5);
  assert.equal(cal.assumptions.fsyncMs, 0.3);
  assert.equal(cal.assumptions.memPerConnection, 50_000);
  assert.equal(cal.sources.fsyncMs?.kind, 'measured');
  const kept = applyProfile(a, profile, ['fsyncMs']);
  assert.equal(kept.assumptions.fsyncMs, a.fsyncMs);
});

test('calibration: a file that is not a profile is a clear error', () => {
  assert.throws(
    () => readProfile({ kind: 'other' }, 'x.json'),
    (e: unknown) =>
      e instanceof MailctlError && /not a mailctl bench profile/.test(e.message) && e.where === 'x.json',
  );
  assert.throws(() => readProfile({ ...profile, version: 2 }, 'x.json'), /version 2/);
  assert.throws(() => readProfile({ ...profile, cpuMsPerMessage: -1 }, 'x.json'), /non-negative/);
});

test('fitCpu: a line through (KiB, ms) points', () => {
  const f = fitCpu([
    { size: 10 * 1024, connections: 4, messages: 10, seconds: 1, perSec: 10, serverCpuMs: 2 },
    { size: 110 * 1024, connections: 4, messages: 10, seconds: 1, perSec: 10, serverCpuMs: 4 },
  ])!;
  assert.ok(Math.abs(f.cpuMsPerKiB - 0.02) < 1e-12);
  assert.ok(Math.abs(f.cpuMsPerMessage - 1.8) < 1e-12);
});
