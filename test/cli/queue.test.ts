/**
 * `mailctl queue` through the real binary (bin/mailctl.js → dist) against a spool on disk:
 * table and --json output, hold/release/retry/delete, clear errors with exit codes, and
 * a retry picked up by a running daemon (the command never talks to the daemon itself).
 */
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { Spool } from '../../src/server/queue/spool.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { startNsd, zone } from '../helpers/nsd.js';
import { freePort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';
import { attempted, startSink } from '../protocol/queue-fixture.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'mailctl.js');
const tmp = tempDir('mailctl-cli-queue-');
const configFile = join(tmp.path, 'mailctl.toml');
let ids: string[] = [];

function mailctl(...args: string[]) {
  return execa('node', [bin, '-c', configFile, ...args], {
    reject: false,
    env: { NO_COLOR: '1' },
    timeout: 60_000,
  });
}

before(async () => {
  for (const f of ['commands/queue', 'server/queue/admin', 'server/queue/spool']) {
    const built = statSync(join(root, 'dist', `${f}.js`), { throwIfNoEntry: false });
    if (!built || built.mtimeMs < statSync(join(root, 'src', `${f}.ts`)).mtimeMs) {
      throw new Error(`dist/${f}.js is missing or older than src: run npm run build (npm test does)`);
    }
  }
  writeFileSync(configFile, 'data_dir = "data"\n');
});
after(() => tmp.cleanup());

test('an empty or absent queue is empty, not an error', async () => {
  const r = await mailctl('queue', 'list');
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, 'the outbound queue is empty');
  const j = await mailctl('queue', 'list', '--json');
  assert.deepEqual(JSON.parse(j.stdout), []);
});

test('list, show and show --body read the spool', async () => {
  const spool = new Spool(join(tmp.path, 'data', 'queue'));
  const body = 'From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: queued 1\r\n\r\nhello\r\n';
  ids = [
    (
      await spool.enqueue(
        {
          sender: 'alice@example.test',
          recipients: ['bob@remote.test', 'carl@remote.test'],
          sessionId: 'S1',
        },
        Readable.from([body]),
      )
    ).id,
    (
      await spool.enqueue(
        { sender: '', recipients: ['x@remote.test'] },
        Readable.from(['Subject: a bounce\r\n\r\nx\r\n']),
      )
    ).id,
  ];
  spool.recordAttempt(
    ids[0],
    [{ rcpt: 'bob@remote.test', status: 'deferred', error: '451 4.7.1 greylisted' }],
    Date.now() + 600_000,
    '451 4.7.1 greylisted',
  );
  await spool.close();

  const t = await mailctl('queue', 'list');
  assert.equal(t.exitCode, 0, t.stderr);
  const [header, rule, first, second] = t.stdout.split('\n');
  assert.match(header, /^ID\s+AGE\s+SIZE\s+SENDER\s+RECIPIENTS\s+STATE\s+NEXT\s+LAST ERROR$/);
  assert.match(rule, /^-+ +-+/);
  assert.match(
    first,
    new RegExp(
      `^${ids[0]} .* alice@example\\.test +bob@remote\\.test \\(\\+1\\) +deferred +in 9m\\d+s +451 4\\.7\\.1 greylisted$`,
    ),
  );
  assert.match(second, new RegExp(`^${ids[1]} .* <> +x@remote\\.test +new +now`));
  assert.match(t.stderr, /^2 messages, /);

  const j = JSON.parse((await mailctl('queue', 'list', '--json')).stdout);
  assert.equal(j.length, 2);
  assert.deepEqual(
    Object.keys(j[0]).sort(),
    [
      'attempts',
      'createdAt',
      'held',
      'id',
      'lastError',
      'nextAttemptAt',
      'recipients',
      'sender',
      'size',
    ].sort(),
  );
  assert.deepEqual(j[0].recipients, [
    { address: 'bob@remote.test', status: 'deferred', lastError: '451 4.7.1 greylisted' },
    { address: 'carl@remote.test', status: 'pending' },
  ]);

  const s = await mailctl('queue', 'show', ids[0]);
  assert.equal(s.exitCode, 0, s.stderr);
  assert.match(s.stdout, /^sender: +alice@example\.test$/m);
  assert.match(s.stdout, /\(session S1\)/);
  assert.match(s.stdout, /^ {2}bob@remote\.test {2}deferred {2}451 4\.7\.1 greylisted$/m);
  assert.match(s.stdout, /^Subject: queued 1$/m);
  const sj = JSON.parse((await mailctl('queue', 'show', ids[0], '--json')).stdout);
  assert.equal(sj.sessionId, 'S1');
  assert.match(sj.headers, /^From: alice@example\.test\r\n/);
  const raw = await mailctl('queue', 'show', ids[0], '--body');
  assert.equal(raw.stdout, body.trimEnd());
});

test('hold, release, retry and delete change the spool; unknown ids exit 2 with a hint', async () => {
  let r = await mailctl('queue', 'hold', ids[0]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, `held ${ids[0]}`);
  const list = async () =>
    JSON.parse((await mailctl('queue', 'list', '--json')).stdout) as {
      id: string;
      held: boolean;
      nextAttemptAt: string;
    }[];
  assert.equal((await list()).find((q) => q.id === ids[0])?.held, true);
  r = await mailctl('queue', 'retry', '--json');
  assert.deepEqual(
    JSON.parse(r.stdout),
    { action: 'retry', id: null, messages: 1 },
    'held messages stay held',
  );
  r = await mailctl('queue', 'release', ids[0]);
  assert.equal(r.stdout, `released ${ids[0]}`);
  const q = (await list()).find((x) => x.id === ids[0]);
  assert.equal(q?.held, false);
  assert.ok(Date.parse(q?.nextAttemptAt ?? '') <= Date.now(), 'released means due now');
  r = await mailctl('queue', 'delete', ids[1]);
  assert.equal(r.stdout, `deleted ${ids[1]}`);
  assert.deepEqual(
    (await list()).map((x) => x.id),
    [ids[0]],
  );
  r = await mailctl('queue', 'delete', 'NOSUCHID');
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /error: no queued message NOSUCHID/);
  assert.match(r.stderr, /hint: `mailctl queue list` shows the queued message ids/);
  r = await mailctl('queue', 'hold', 'NOSUCHID', '--json');
  assert.equal(r.exitCode, 2);
  assert.equal(JSON.parse(r.stdout).error.code, 'not-found');
});

test('retry from the command line is picked up by a running daemon', async () => {
  const live = tempDir('mailctl-cli-queue-live-');
  const dir = live.path;
  const nsd = await startNsd(dir, {
    'late.test.': zone('late.test', 'late.test. IN MX 10 mx\nmx IN A 127.0.0.6'),
  });
  const port = await freePort();
  let sink = await startSink(dir, '127.0.0.6', port, ['-r', 'RCPT']);
  const td = await startTestDaemon({
    only: ['queue'],
    extraToml: `[dns]\nservers = ["${nsd.server}"]\n[delivery]\nport = ${port}\nretry_base = "1h"\n`,
  });
  try {
    const spool = td.daemon.ctx.queue as Spool;
    const { id } = await spool.enqueue(
      { sender: '', recipients: ['x@late.test'] },
      Readable.from(['Subject: later\r\n\r\nx\r\n']),
    );
    assert.equal((await attempted(spool, id)).results[0].status, 'deferred');
    await sink.stop();
    sink = await startSink(dir, '127.0.0.6', port);
    const delivered = attempted(spool, id, { done: true });
    const r = await execa('node', [bin, '-c', td.configFile, 'queue', 'retry', id], {
      reject: false,
      env: { NO_COLOR: '1' },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `due now: ${id}`);
    assert.equal((await delivered).results[0].status, 'delivered');
    assert.equal(sink.dumps().length, 1);
  } finally {
    await td.stop();
    await sink.stop();
    await nsd.stop();
    live.cleanup();
  }
});
