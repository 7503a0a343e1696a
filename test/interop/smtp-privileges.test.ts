/**
 * `mailctl serve` started as root binds its ports, then runs as the owner of data_dir
 * (or run_as), with the files it created while starting handed over; SIGTERM stops it
 * with exit code 0.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeCerts } from '../helpers/certs.js';
import { freePort, type Peer, startPeer, waitForPort } from '../helpers/proc.js';
import { RawSmtp } from '../helpers/smtp-raw.js';
import { tempDir } from '../helpers/tmp.js';

const root = join(import.meta.dirname, '..', '..');
const tmp = tempDir('mailctl-priv-');
let serve: Peer | undefined;
after(async () => {
  await serve?.stop();
  tmp.cleanup();
});

const NOBODY = 65534;

describe('privileges', () => {
  it('drops root after binding and hands its files over', async () => {
    chmodSync(tmp.path, 0o755);
    const certs = makeCerts(join(tmp.path, 'tls'));
    const data = join(tmp.path, 'data');
    mkdirSync(data);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(data, NOBODY, NOBODY);
    const port = await freePort();
    const file = join(tmp.path, 'mailctl.toml');
    const off = ['submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http'].map(
      (l) => `${l} = ""`,
    );
    writeFileSync(
      file,
      `data_dir = "data"\n[listen]\nsmtp = "127.0.0.1:${port}"\n${off.join('\n')}\n[tls]\ncert = "${certs.cert}"\nkey = "${certs.key}"\n`,
    );
    serve = startPeer(
      'serve',
      process.execPath,
      [join(root, 'bin', 'mailctl.js'), 'serve', '--only', 'smtp', '--config', file],
      join(tmp.path, 'serve.log'),
    );
    await waitForPort(port, { peer: serve, timeoutMs: 30_000 });
    const c = await RawSmtp.open(port);
    assert.equal((await c.reply()).code, 220);
    c.close();
    const status = readFileSync(`/proc/${serve.child.pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (asRoot) {
      assert.equal(uid, NOBODY, serve.log());
      assert.equal(statSync(join(data, 'accounts.sqlite')).uid, NOBODY);
      assert.equal(statSync(join(data, 'queue')).uid, NOBODY);
    } else {
      assert.equal(uid, process.getuid?.());
    }
    const exited = once(serve.child, 'exit');
    serve.child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, serve.log());
  });
});
