/**
 * The crash test: `mailctl serve` runs as a child process; smtp-source and tracked clients
 * send; the daemon is killed with SIGKILL mid-stream. After a restart every message that
 * got 250 is in the store exactly once, and every file in new/ is whole. The restarted
 * daemon accepts at once (the dead process's dot-lock is stale at once: its pid is gone),
 * and every stored file gets a UID when the mailbox is opened (deliveries the kill caught
 * between their 250 and their background numbering are numbered by the reader).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import { openDirectory } from '../../src/directory/open.js';
import { openStore } from '../../src/store/open.js';
import { makeCerts } from '../helpers/certs.js';
import { freePort, type Peer, requireProgram, startPeer, waitForPort } from '../helpers/proc.js';
import { assertFreshBuild, startServe, type TrackedMail, trackedClient } from '../helpers/serve-child.js';
import { RawSmtp } from '../helpers/smtp-raw.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-crash-');
const peers: Peer[] = [];

after(async () => {
  for (const p of peers) await p.stop();
  tmp.cleanup();
});

const tracked: TrackedMail = {
  from: 'tracker@remote.test',
  to: () => ['alice@example.test'],
  body: (id) =>
    `Message-ID: <${id}@crash.test>\r\nSubject: ${id}\r\n\r\n${'x'.repeat(70)}\r\n` +
    `${'payload line\r\n'.repeat(300)}END-OF-${id}\r\n`,
};

function serve(configFile: string, n: number): Peer {
  const p = startServe(configFile, join(tmp.path, `serve-${n}.log`), `mailctl-serve-${n}`);
  peers.push(p);
  return p;
}

describe('crash safety', () => {
  it('every 250 survives kill -9, exactly once, nothing half-written in new/', async () => {
    assertFreshBuild([
      'server/smtp/session',
      'server/smtp/deliver',
      'commands/serve',
      'store/maildir/deliver',
    ]);
    const smtpSource = requireProgram('smtp-source', 'postfix');
    const certs = makeCerts(join(tmp.path, 'tls'));
    const port = await freePort();
    const configFile = join(tmp.path, 'mailctl.toml');
    const toml = `hostname = "mx.example.test"\ndata_dir = "data"\n[listen]\nsmtp = "127.0.0.1:${port}"\nsubmission = ""\nsubmissions = ""\nimap = ""\nimaps = ""\npop3 = ""\npop3s = ""\nhttp = ""\n[tls]\ncert = "${certs.cert}"\nkey = "${certs.key}"\n[smtp]\ngreeting_delay = 0\nverify_sender_auth = false\n[log]\nlevel = "warn"\n`;
    writeFileSync(configFile, toml);
    const config = parseConfigText(toml, configFile, { privileged: false });
    const dir = await openDirectory(config);
    await dir.addDomain('example.test');
    await dir.addAccount({ address: 'alice@example.test', password: 'alice-password-1' });
    await dir.close();

    const serve1 = serve(configFile, 1);
    await waitForPort(port, { peer: serve1, timeoutMs: 30_000 });
    const load = startPeer(
      'smtp-source',
      smtpSource,
      [
        '-s',
        '10',
        '-m',
        '100000',
        '-l',
        '4096',
        '-f',
        'load@remote.test',
        '-t',
        'alice@example.test',
        `127.0.0.1:${port}`,
      ],
      join(tmp.path, 'smtp-source.log'),
    );
    peers.push(load);
    const ok = new Set<string>();
    const stop = { now: false };
    const clients = Array.from({ length: 10 }, (_, n) => trackedClient(port, n, ok, stop, tracked));
    // Kill once a good number of tracked messages were acknowledged.
    while (ok.size < 150) await new Promise((r) => setTimeout(r, 20));
    const died = once(serve1.child, 'exit');
    serve1.child.kill('SIGKILL');
    await died;
    stop.now = true;
    await Promise.all(clients);
    await load.stop();
    const acknowledged = new Set(ok);

    // Restart: the daemon comes back on the same data and serves.
    const serve2 = serve(configFile, 2);
    await waitForPort(port, { peer: serve2, timeoutMs: 30_000 });
    const c = await RawSmtp.open(port);
    await c.reply();
    await c.cmd('EHLO after.example.net');
    // A dot-lock left by the killed process names a pid that is gone: stale at once, so the
    // first message after the restart is stored, not deferred.
    const again = await c.send(
      'a@remote.test',
      ['alice@example.test'],
      'Subject: after-restart\r\n\r\nok\r\n',
    );
    assert.equal(again.code, 250, `${again.text}\n${serve2.log()}`);
    c.close();
    const exited = once(serve2.child, 'exit');
    serve2.child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.equal(code, 0, `signal ${signal}; graceful stop exit code; log:\n${serve2.log()}`);

    // Read the Maildir as it is on disk.
    const maildir = join(tmp.path, 'data', 'mail', 'example.test', 'alice', 'Maildir');
    const seen = new Map<string, number>();
    let files = 0;
    for (const sub of ['new', 'cur']) {
      for (const f of readdirSync(join(maildir, sub))) {
        files++;
        const path = join(maildir, sub, f);
        const text = readFileSync(path, 'latin1');
        const s = /,S=(\d+)/.exec(f);
        if (s) assert.equal(statSync(path).size, Number(s[1]), `${f}: size differs from S=`);
        const id = /^Subject: (c\d+-m\d+)\r$/m.exec(text)?.[1];
        if (id) {
          assert.ok(text.endsWith(`END-OF-${id}\r\n`), `${f} is truncated`);
          seen.set(id, (seen.get(id) ?? 0) + 1);
        } else {
          assert.ok(text.endsWith('\r\n'), `${f} does not end with CRLF`);
        }
      }
    }
    const missing = [...acknowledged].filter((id) => !seen.has(id));
    const doubled = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(missing, [], 'acknowledged with 250 but not in the store');
    assert.deepEqual(doubled, [], 'stored more than once');
    assert.ok(files > acknowledged.size, `expected smtp-source mail too (files=${files})`);
    assert.ok(
      [...readdirSync(join(maildir, 'new'))].some((f) =>
        readFileSync(join(maildir, 'new', f), 'latin1').includes('Subject: after-restart\r\n'),
      ),
      'the message accepted after the restart is in new/',
    );

    // Every file has a UID once a reader opens the mailbox, and UIDs are unique.
    const directory = await openDirectory(config);
    const store = await openStore(config, directory);
    const view = await store.open({ user: 'alice@example.test', folder: 'INBOX' }, { readOnly: true });
    const uids = view.messages().map((m) => m.uid);
    view.close();
    await directory.close();
    assert.equal(uids.length, files, 'every stored file is numbered');
    assert.equal(new Set(uids).size, uids.length, 'UIDs are unique');
  });
});
