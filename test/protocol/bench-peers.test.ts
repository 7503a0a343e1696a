/**
 * The load generators against reference servers: Postfix's smtp-sink (SMTP) and Dovecot
 * (IMAP, forking: the server's CPU and RSS are summed over its process tree). If our lean
 * clients spoke the protocols wrongly, these would fail too.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { imapOptions, smtpOptions } from '../../src/bench/options.js';
import { runImap, runSmtp } from '../../src/bench/run.js';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';
import { freePort, type Peer, requireProgram, startPeer, waitForPort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-bench-peers-');
let sink: Peer;
let sinkPort: number;
let dc: Dovecot;

before(async () => {
  sinkPort = await freePort();
  const bin = requireProgram('smtp-sink', 'postfix');
  sink = startPeer(
    'smtp-sink',
    bin,
    ['-u', 'nobody', `127.0.0.1:${sinkPort}`, '100'],
    join(tmp.path, 'sink.log'),
  );
  await waitForPort(sinkPort, { peer: sink });
  dc = await startDovecot({
    dir: join(tmp.path, 'dovecot'),
    users: [{ user: 'carol@example.test', password: 'carol-password-1' }],
  });
});
after(async () => {
  await sink?.stop();
  await dc?.stop();
  tmp.cleanup();
});

test('bench smtp against smtp-sink: count-bounded, two sizes, server found by port', async () => {
  const r = await runSmtp(
    smtpOptions({ target: `127.0.0.1:${sinkPort}`, connections: '5', messages: '500', size: '10KB,50KB' }),
  );
  assert.deepEqual(
    r.runs.map((x) => [x.messages, x.stoppedBy, x.errors]),
    [
      [500, 'count', {}],
      [500, 'count', {}],
    ],
  );
  assert.equal(r.runs[0].server?.pid, sink.child.pid);
  assert.ok(r.runs[0].perSec > 50, `smtp-sink took ${r.runs[0].perSec.toFixed(0)} msg/s`);
});

test('bench imap against Dovecot: seeded mailbox, every operation succeeds, process tree measured', async () => {
  const r = await runImap(
    imapOptions({
      target: `localhost:${dc.imapsPort}`,
      tls: true,
      ca: dc.certs.caCert,
      users: '3',
      duration: '1500ms',
      auth: ['carol@example.test:carol-password-1'],
      seed: '20',
      idle: '50ms',
    }),
  );
  assert.deepEqual(r.errors, {});
  assert.equal(r.loggedIn, 3);
  for (const op of ['append', 'login', 'select', 'fetch-headers', 'fetch-body', 'store', 'idle-done']) {
    assert.ok((r.ops.find((o) => o.op === op)?.count ?? 0) > 0, op);
  }
  assert.ok((r.server?.processes ?? 0) > 1, 'Dovecot forks: its children are counted');
});

const root = join(import.meta.dirname, '..', '..');
function mailctl(...args: string[]) {
  const built = statSync(join(root, 'dist', 'commands', 'bench.js'), { throwIfNoEntry: false });
  if (!built || built.mtimeMs < statSync(join(root, 'src', 'commands', 'bench.ts')).mtimeMs) {
    throw new Error('dist/commands/bench.js is missing or stale: run npm run build (npm test does)');
  }
  return execa('node', [join(root, 'bin', 'mailctl.js'), ...args], { reject: false, env: { NO_COLOR: '1' } });
}

test('mailctl bench smtp (the binary): table, --json shape, exit codes 0 / 2 / 4', async () => {
  const table = await mailctl(
    'bench',
    'smtp',
    '--target',
    `127.0.0.1:${sinkPort}`,
    '--messages',
    '50',
    '--connections',
    '2',
  );
  assert.equal(table.exitCode, 0, table.stderr);
  assert.match(table.stdout, /SMTP bench → 127\.0\.0\.1:\d+, 2 connections/);
  assert.match(table.stdout, /message +50 +0 /);
  const json = await mailctl(
    'bench',
    'smtp',
    '--target',
    `127.0.0.1:${sinkPort}`,
    '--messages',
    '20',
    '--json',
  );
  assert.equal(json.exitCode, 0, json.stderr);
  const j = JSON.parse(json.stdout);
  assert.equal(j.kind, 'smtp');
  assert.equal(j.runs[0].messages, 20);
  for (const k of ['p50', 'p95', 'p99', 'max'])
    assert.equal(typeof j.runs[0].ops.find((o: { op: string }) => o.op === 'message')[k], 'number');
  const usage = await mailctl('bench', 'smtp', '--target', 'nowhere', '--json');
  assert.equal(usage.exitCode, 2);
  assert.match(JSON.parse(usage.stdout).error.hint, /127\.0\.0\.1:2525/);
  const down = await mailctl('bench', 'smtp', '--target', `127.0.0.1:${await freePort()}`, '--messages', '1');
  assert.equal(down.exitCode, 4);
  assert.match(down.stderr, /nothing listens on 127\.0\.0\.1:\d+/);
});
