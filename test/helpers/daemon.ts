/**
 * Starts the real mailctl daemon in this process on 127.0.0.1:0 ports with a temp data
 * dir, a test certificate and a few accounts, for protocol tests. Deliberate delays are 0.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { Daemon } from '../../src/server/daemon.js';
import { createLogger } from '../../src/server/observe/logger.js';
import { makeCerts, type TestCerts } from './certs.js';
import { tempDir } from './tmp.js';

export interface TestUser {
  address: string;
  password: string;
  quota?: number;
}

export interface TestDaemon {
  daemon: Daemon;
  dir: string;
  certs: TestCerts;
  configFile: string;
  port(listener: string): number;
  stop(): Promise<void>;
}

export interface TestDaemonOptions {
  /** Only these services (names from src/server/services.ts); default all. */
  only?: string[];
  domains?: string[];
  users?: TestUser[];
  aliases?: Record<string, string[]>;
  /** Extra TOML appended to the generated config (sections must not repeat generated ones). */
  extraToml?: string;
  /** Replaces the generated [listen] table. */
  listenToml?: string;
  /** Reuse a data dir (restart tests). */
  dir?: string;
}

export const defaultUsers: TestUser[] = [
  { address: 'alice@example.test', password: 'alice-password-1' },
  { address: 'bob@example.test', password: 'bob-password-1' },
];

export async function startTestDaemon(opts: TestDaemonOptions = {}): Promise<TestDaemon> {
  const tmp = opts.dir ? { path: opts.dir, cleanup: () => undefined } : tempDir('mailctl-daemon-');
  const certs = makeCerts(join(tmp.path, 'tls'));
  const listen =
    opts.listenToml ??
    ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http']
      .map((l) => `${l} = "127.0.0.1:0"`)
      .join('\n');
  const toml = `hostname = "mx.example.test"
data_dir = "data"
[listen]
${listen}
[tls]
cert = "${certs.cert}"
key = "${certs.key}"
[smtp]
auth_failure_delay = 0
greeting_delay = 0
[imap]
auth_failure_delay = 0
[pop3]
auth_failure_delay = 0
[directory]
min_password_length = 8
[log]
level = "warn"
file = "${join(tmp.path, 'mailctl.log')}"
${opts.extraToml ?? ''}
`;
  const configFile = join(tmp.path, 'mailctl.toml');
  writeFileSync(configFile, toml);
  const config = parseConfigText(toml, configFile, { privileged: false });
  const daemon = await Daemon.start(config, { only: opts.only, log: createLogger(config.log) });
  const dir = daemon.ctx.directory;
  for (const d of opts.domains ?? ['example.test']) {
    if (!(await dir.isLocalDomain(d))) await dir.addDomain(d);
  }
  for (const u of opts.users ?? defaultUsers) {
    if (!(await dir.getAccount(u.address))) {
      await dir.addAccount({ address: u.address, password: u.password, quota: u.quota });
    }
  }
  for (const [alias, targets] of Object.entries(opts.aliases ?? {})) await dir.addAlias(alias, targets);
  return {
    daemon,
    dir: tmp.path,
    certs,
    configFile,
    port: (l) => daemon.port(l),
    async stop() {
      await daemon.stop(2000);
      tmp.cleanup();
    },
  };
}
