/**
 * The outbound crash test: `mailctl serve` as a child process relays for 127.0.0.0/8 into
 * its queue while smtp-source and tracked clients send to a remote domain; the queue runner
 * delivers to smtp-sink (MX from NSD) at the same time; the daemon is killed with SIGKILL.
 * After a restart the queue drains, and every message that got 250 reached the remote MX
 * whole. A message whose remote 250 came just before the kill may arrive twice (SMTP's
 * at-least-once); that is counted and bounded by the deliveries that can be in flight.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Spool } from '../../src/server/queue/spool.js';
import { makeCerts } from '../helpers/certs.js';
import { startNsd, zone } from '../helpers/nsd.js';
import { freePort, type Peer, requireProgram, startPeer, waitForPort } from '../helpers/proc.js';
import { assertFreshBuild, startServe, type TrackedMail, trackedClient } from '../helpers/serve-child.js';
import { tempDir } from '../helpers/tmp.js';
import { startSink } from '../protocol/queue-fixture.js';

const tmp = tempDir('mailctl-queue-kill-');
const stops: (() => Promise<void>)[] = [];

after(async () => {
  for (const s of stops.reverse()) await s();
  tmp.cleanup();
});

function serve(configFile: string, n: number): Peer {
  const p = startServe(configFile, join(tmp.path, `serve-${n}.log`), `mailctl-serve-${n}`);
  stops.push(() => p.stop());
  return p;
}

const tracked: TrackedMail = {
  from: 'tracker@example.test',
  to: (id) => [`${id}@far.test`],
  body: (id) => `Subject: ${id}\r\n\r\n${'payload line\r\n'.repeat(300)}END-OF-${id}\r\n`,
};

test('every 250 for a remote recipient reaches the remote MX after kill -9 and restart', async () => {
  assertFreshBuild(['server/queue/spool', 'server/queue/runner', 'server/smtp/deliver', 'commands/serve']);
  const nsd = await startNsd(tmp.path, {
    'far.test.': zone('far.test', 'far.test. IN MX 10 mx\nmx IN A 127.0.0.13'),
  });
  stops.push(() => nsd.stop());
  const sinkPort = await freePort();
  const sink = await startSink(tmp.path, '127.0.0.13', sinkPort);
  stops.push(() => sink.stop());
  const certs = makeCerts(join(tmp.path, 'tls'));
  const port = await freePort();
  const configFile = join(tmp.path, 'mailctl.toml');
  writeFileSync(
    configFile,
    `hostname = "mx.example.test"\ndata_dir = "data"\n[listen]\nsmtp = "127.0.0.1:${port}"\nsubmission = ""\nsubmissions = ""\nimap = ""\nimaps = ""\npop3 = ""\npop3s = ""\nhttp = ""\n` +
      `[tls]\ncert = "${certs.cert}"\nkey = "${certs.key}"\n[smtp]\ngreeting_delay = 0\nverify_sender_auth = false\nrelay_networks = ["127.0.0.0/8"]\n` +
      `[dns]\nservers = ["${nsd.server}"]\n[delivery]\nport = ${sinkPort}\nretry_base = "200ms"\nretry_max = "1s"\n[log]\nlevel = "warn"\n`,
  );

  const serve1 = serve(configFile, 1);
  await waitForPort(port, { peer: serve1, timeoutMs: 30_000 });
  const load = startPeer(
    'smtp-source',
    requireProgram('smtp-source', 'postfix'),
    [
      '-s',
      '5',
      '-m',
      '1500',
      '-l',
      '4096',
      '-f',
      'load@example.test',
      '-t',
      'load@far.test',
      `127.0.0.1:${port}`,
    ],
    join(tmp.path, 'smtp-source.log'),
  );
  stops.push(() => load.stop());
  const ok = new Set<string>();
  const stop = { now: false };
  const clients = Array.from({ length: 8 }, (_, n) => trackedClient(port, n, ok, stop, tracked));
  // Kill once enough were acknowledged and the runner has been delivering for a while.
  while (ok.size < 150 || sink.dumps().length < 50) await new Promise((r) => setTimeout(r, 20));
  const died = once(serve1.child, 'exit');
  serve1.child.kill('SIGKILL');
  await died;
  stop.now = true;
  await Promise.all(clients);
  await load.stop();
  const acknowledged = new Set(ok);

  const serve2 = serve(configFile, 2);
  await waitForPort(port, { peer: serve2, timeoutMs: 30_000 });
  // The restarted runner drains the queue; `mailctl queue` reads the same spool read-only.
  const spool = new Spool(join(tmp.path, 'data', 'queue'), { readOnly: true });
  const deadline = Date.now() + 120_000;
  while ((await spool.list()).length > 0) {
    assert.ok(
      Date.now() < deadline,
      `queue not drained: ${(await spool.list()).length} left\n${serve2.log()}`,
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  await spool.close();
  const exited = once(serve2.child, 'exit');
  serve2.child.kill('SIGTERM');
  assert.equal((await exited)[0], 0, serve2.log());

  const seen = new Map<string, number>();
  for (const d of sink.dumps()) {
    const id = /^Subject: (c\d+-m\d+)$/m.exec(d.message)?.[1];
    if (!id) continue;
    assert.ok(d.message.trimEnd().endsWith(`END-OF-${id}`), `${id} arrived truncated`);
    assert.deepEqual(d.rcpts, [`${id}@far.test`]);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const missing = [...acknowledged].filter((id) => !seen.has(id));
  const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(missing, [], 'acknowledged with 250 but never delivered');
  // At most the deliveries in flight at the kill ([delivery] concurrency = 20) can repeat.
  assert.ok(twice.length <= 20, `delivered twice: ${twice.length} (${twice.join(', ')})`);
  console.log(
    `# acknowledged ${acknowledged.size}, delivered ${seen.size} tracked, twice ${twice.length}, sink transactions ${sink.dumps().length}`,
  );
});
