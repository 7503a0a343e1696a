/**
 * The sizing model against cases computed by hand (the arithmetic is in each test), and
 * properties that must hold for any input (fast-check).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Assumptions, defaults } from '../../src/sizing/assumptions.js';
import { sizeDistribution } from '../../src/sizing/dist.js';
import { loadAt, plan, predictSmtpRate, storageAt } from '../../src/sizing/model.js';

/** A deliberately simple world: fixed 4096-byte messages, no growth, spam, archive, logs or index. */
function simple(over: Partial<Assumptions> = {}): Assumptions {
  return {
    ...defaults(),
    users: 100,
    receivedPerDay: 10,
    sentPerDay: 0,
    messageSize: 4096,
    sizeSigma: 0,
    blockSize: 4096,
    retentionYears: 1,
    horizonYears: 2,
    userGrowth: 0,
    mailGrowth: 0,
    spamShare: 0,
    archive: false,
    imapShare: 1,
    indexPerMessage: 0,
    logPerMessage: 0,
    deferredShare: 0,
    peakHourShare: 0.36,
    ...over,
  };
}

const near = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) <= Math.abs(want) * 1e-9 + 1e-6, `${what}: got ${got}, want ${want}`);

test('hand case 1: 100 users × 10 msgs/day × 365 days × 4096 B = 1,495,040,000 B after a year', () => {
  const a = simple();
  const size = sizeDistribution(a.messageSize, a.sizeSigma, a.blockSize);
  assert.equal(size.onDisk, 4096);
  const y1 = storageAt(a, size, 1);
  near(y1.mailboxes, 100 * 10 * 365 * 4096, 'mailboxes');
  assert.equal(y1.messagesPerMailbox, 3650);
  // Retention 1 year: year 2 holds the same amount.
  near(storageAt(a, size, 2).mailboxes, 1_495_040_000, 'year 2');
  // Day one: nothing stored yet.
  assert.equal(storageAt(a, size, 0).mailboxes, 0);
  // Provision = total × 1.25 (headroom 25%), raw = × 2 (RAID 1).
  near(y1.provision, 1_495_040_000 * 1.25, 'provision');
  near(y1.raw, 1_495_040_000 * 2.5, 'raw');
});

test('hand case 2: a 5000-byte message takes two 4096-byte blocks', () => {
  assert.equal(sizeDistribution(5000, 0, 4096).onDisk, 8192);
});

test('hand case 3: spam 50% with all of it kept 30 days doubles inbound and fills Junk', () => {
  // received 10/day/user is legitimate; with spam share 0.5 the MX sees 20/day/user.
  const a = simple({ spamShare: 0.5, spamStoredShare: 1, junkDays: 30 });
  const size = sizeDistribution(4096, 0, 4096);
  const y1 = storageAt(a, size, 1);
  near(y1.junk, 100 * 10 * 30 * 4096, 'junk = 100 users × 10 spam/day × 30 days × 4096 B');
  const l = loadAt(a, size, 0);
  near(l.inboundPerDay, 2000, 'inbound per day');
  // peak share 0.36 of the day in one hour: 2000 × 0.36 / 3600 = 0.2 msg/s.
  near(l.inboundPerSec, 0.2, 'inbound per second at peak');
});

test('hand case 4: POP3 users keep about one day of mail', () => {
  const a = simple({ imapShare: 0 });
  const size = sizeDistribution(4096, 0, 4096);
  near(storageAt(a, size, 2).mailboxes, 100 * 10 * 4096, 'one day of received mail');
});

test('hand case 5: quota caps each IMAP mailbox and is reported', () => {
  const a = simple({ quota: 10 * 1024 ** 2 });
  const p = plan(a);
  near(p.years[1].mailboxes, 100 * 10 * 1024 ** 2, 'capped at 10 MiB each');
  assert.ok(p.years[1].quotaReached);
  assert.ok(p.warnings.some((w) => w.includes('quota')));
});

test('hand case 6: concurrent IMAP = users × online share × connections per user', () => {
  const a = simple({ users: 1000, onlineShare: 0.5, imapConnectionsPerUser: 3 });
  assert.equal(loadAt(a, sizeDistribution(4096, 0, 4096), 0).imapConnections, 1500);
});

test('hand case 7: archive keeps one copy of every message for its retention', () => {
  // 100 users × (10 + 5) msgs/day × 365 × 4096 B mean (the archive stores bytes, not blocks).
  const a = simple({ archive: true, archiveYears: 7, sentPerDay: 5 });
  near(storageAt(a, sizeDistribution(4096, 0, 4096), 1).archive, 100 * 15 * 365 * 4096, 'archive');
});

test('predicted SMTP rate: CPU-bound when clients are many, latency-bound when few', () => {
  const cost = { cpuMsPerMessage: 2, cpuMsPerKiB: 0, fsyncMs: 1, fsyncsPerDelivery: 2 };
  // one core, 2 ms per message → 500 msg/s whatever the concurrency above the knee
  near(predictSmtpRate(cost, 10_240, 50, 1), 500, 'cpu bound');
  // one client: each message takes 2 ms CPU + 2 × 1 ms fsync = 4 ms → 250 msg/s
  near(predictSmtpRate(cost, 10_240, 1, 1), 250, 'latency bound');
});

test('topology: the prescribed steps appear as users grow', () => {
  const steps = [100, 3_000, 200_000].map((users) => plan({ ...defaults(), users }).topology);
  assert.deepEqual(
    steps.map((t) => t.step),
    [1, 2, 3],
  );
  assert.ok(steps[0].nextStepAtUsers && steps[0].nextStepAtUsers > 100);
  assert.match(steps[2].name, /load balancer/);
  assert.ok(steps[2].infrastructure.some((i) => i.includes('NFS')));
  assert.ok(steps[2].infrastructure.some((i) => i.includes('LDAP')));
  assert.equal(steps[0].thresholds.length, 3);
});

const arbInputs = fc.record({
  users: fc.integer({ min: 1, max: 200_000 }),
  receivedPerDay: fc.double({ min: 0, max: 500, noNaN: true }),
  sentPerDay: fc.double({ min: 0, max: 200, noNaN: true }),
  messageSize: fc.integer({ min: 1, max: 20 * 1024 ** 2 }),
  sizeSigma: fc.double({ min: 0, max: 3, noNaN: true }),
  retentionYears: fc.double({ min: 0, max: 10, noNaN: true }),
  spamShare: fc.double({ min: 0, max: 0.95, noNaN: true }),
  imapShare: fc.double({ min: 0, max: 1, noNaN: true }),
  archive: fc.boolean(),
  quota: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 * 1024 ** 3 })),
});

test('property: more users never means less disk, IOPS or connections', () => {
  fc.assert(
    fc.property(arbInputs, fc.integer({ min: 1, max: 10_000 }), (inp, extra) => {
      const a = { ...defaults(), ...inp };
      const p1 = plan(a);
      const p2 = plan({ ...a, users: a.users + extra });
      for (let i = 0; i < p1.years.length; i++) {
        if (p2.years[i].total < p1.years[i].total) return false;
        if (p2.years[i].raw < p1.years[i].raw) return false;
      }
      return (
        p2.peak.iops >= p1.peak.iops &&
        p2.peak.imapConnections >= p1.peak.imapConnections &&
        p2.topology.step >= p1.topology.step
      );
    }),
    { numRuns: 200 },
  );
});

test('property: longer retention and bigger messages never mean less disk (no quota)', () => {
  fc.assert(
    fc.property(
      arbInputs,
      fc.double({ min: 0, max: 5, noNaN: true }),
      fc.integer({ min: 0, max: 1e6 }),
      (inp, more, bigger) => {
        // Without a quota: under a binding quota, bigger messages mean fewer of them and so a
        // smaller index — correct, and the reason the quota is excluded here.
        const a = { ...defaults(), ...inp, quota: 0 };
        const base = plan(a).years.at(-1)!.total;
        const tol = base * 1e-9; // floating-point noise only
        return (
          plan({ ...a, retentionYears: a.retentionYears + more }).years.at(-1)!.total >= base - tol &&
          plan({ ...a, messageSize: a.messageSize + bigger }).years.at(-1)!.total >= base - tol
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('property: every figure is a finite, non-negative number', () => {
  fc.assert(
    fc.property(arbInputs, (inp) => {
      const p = plan({ ...defaults(), ...inp });
      const nums = [
        ...p.years.flatMap((y) => Object.values(y)),
        ...Object.values(p.peak),
        ...Object.values(p.now),
      ];
      return nums.every((v) => typeof v === 'boolean' || (Number.isFinite(v) && v >= 0));
    }),
    { numRuns: 200 },
  );
});
