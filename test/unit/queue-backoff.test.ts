import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delayWarningDue, nextAttempt, retryDelay } from '../../src/server/queue/backoff.js';
import { Limiter } from '../../src/server/queue/limiter.js';

const min = 60_000;
const hour = 60 * min;
const policy = { base: 5 * min, max: 4 * hour, lifetime: 5 * 24 * hour, delayWarning: 4 * hour };

test('retry delays double from the base and stop at the max', () => {
  const cases: [number, number][] = [
    [0, 5 * min],
    [1, 5 * min],
    [2, 10 * min],
    [3, 20 * min],
    [4, 40 * min],
    [5, 80 * min],
    [6, 160 * min],
    [7, 4 * hour],
    [50, 4 * hour],
    [5000, 4 * hour], // 2^4999 is Infinity: still the max
  ];
  for (const [attempts, want] of cases) assert.equal(retryDelay(attempts, policy), want, `after ${attempts}`);
});

test('the next attempt is never past the expiry; after it there is none', () => {
  const created = 1_000_000;
  assert.equal(nextAttempt(created, created, 1, policy), created + 5 * min);
  const nearEnd = created + policy.lifetime - min;
  assert.equal(
    nextAttempt(nearEnd, created, 30, policy),
    created + policy.lifetime,
    'pulled in to the expiry',
  );
  assert.equal(nextAttempt(created + policy.lifetime, created, 31, policy), undefined);
  assert.equal(nextAttempt(created + policy.lifetime + 1, created, 31, policy), undefined);
  // Five days with these defaults: the first attempt, 6 ramping up (5 min … 160 min),
  // 28 every 4 h, one pulled in to the expiry — 36 attempts, 35 of them retries.
  let t = created;
  let n = 0;
  for (
    let next = nextAttempt(t, created, 1, policy);
    next !== undefined;
    next = nextAttempt(t, created, ++n + 1, policy)
  )
    t = next;
  assert.equal(n, 35);
});

test('one delay warning, only after delay_warning, never for bounces or when disabled', () => {
  const c = 0;
  assert.equal(delayWarningDue(4 * hour - 1, c, false, 'a@x.test', policy), false);
  assert.equal(delayWarningDue(4 * hour, c, false, 'a@x.test', policy), true);
  assert.equal(delayWarningDue(5 * hour, c, true, 'a@x.test', policy), false, 'already warned');
  assert.equal(delayWarningDue(5 * hour, c, false, '', policy), false, 'no notices about bounces');
  assert.equal(delayWarningDue(5 * hour, c, false, 'a@x.test', { ...policy, delayWarning: 0 }), false);
  assert.equal(
    delayWarningDue(5 * hour, c, false, 'a@x.test', { ...policy, delayWarning: 6 * 24 * hour }),
    false,
    'a warning after the lifetime would never be useful',
  );
});

test('limiter: total and per-domain caps, a full domain does not block others, FIFO', async () => {
  const l = new Limiter(3, 2);
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const job = (key: string, name: string) =>
    l.run(key, () => {
      started.push(name);
      return new Promise<void>((r) => gates.set(name, r));
    });
  const all = [job('a', 'a1'), job('a', 'a2'), job('a', 'a3'), job('b', 'b1'), job('c', 'c1')];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['a1', 'a2', 'b1'], 'a3 waits for its domain, c1 for the total');
  assert.equal(l.inFlight('a'), 2);
  gates.get('b1')!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['a1', 'a2', 'b1', 'c1'], 'the freed slot goes to the oldest runnable job');
  gates.get('a1')!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started.at(-1), 'a3');
  for (const g of ['a2', 'a3', 'c1']) gates.get(g)!();
  await Promise.all(all);
  assert.equal(l.running, 0);
});
