/**
 * A real validating resolver (unbound) on loopback, in front of a local authoritative
 * server: stub zones point at it, trust anchors make chosen zones validate (AD bit),
 * everything else is treated as insecure. Started as a child process, stopped by pid.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Peer, requireProgram, startPeer, waitForPort } from './proc.js';

export interface Unbound {
  port: number;
  server: string;
  peer: Peer;
  stop(): Promise<void>;
}

export interface UnboundOptions {
  /** The authoritative server, "127.0.0.1:PORT". */
  upstream: string;
  /** Zones served by the upstream (origins). */
  zones: string[];
  /** DS or DNSKEY lines in zone-file format, one per trust anchor. */
  trustAnchors?: string[];
}

export async function startUnbound(dir: string, o: UnboundOptions): Promise<Unbound> {
  const unbound = requireProgram('unbound', 'unbound');
  const port = await freePort();
  const [host, upPort] = o.upstream.split(':');
  const anchors = join(dir, 'anchors.txt');
  writeFileSync(anchors, `${(o.trustAnchors ?? []).join('\n')}\n`);
  const local = ['test.', '127.in-addr.arpa.', 'localhost.']
    .map((z) => `  local-zone: "${z}" nodefault\n`)
    .join('');
  const stubs = o.zones
    .map((z) => `stub-zone:\n  name: "${z.replace(/\.?$/, '.')}"\n  stub-addr: ${host}@${upPort}\n`)
    .join('\n');
  const conf = join(dir, 'unbound.conf');
  writeFileSync(
    conf,
    `server:\n  interface: 127.0.0.1\n  port: ${port}\n  do-daemonize: no\n  username: ""\n  chroot: ""\n` +
      `  directory: "${dir}"\n  pidfile: "${dir}/unbound.pid"\n  logfile: "${dir}/unbound.log"\n  use-syslog: no\n` +
      `  verbosity: 1\n  val-log-level: 2\n  do-ip6: no\n  do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n` +
      `  module-config: "validator iterator"\n  qname-minimisation: no\n  harden-dnssec-stripped: yes\n` +
      (o.trustAnchors && o.trustAnchors.length > 0 ? `  trust-anchor-file: "${anchors}"\n` : '') +
      `${local}\nremote-control:\n  control-enable: no\n\n${stubs}`,
  );
  try {
    execFileSync(requireProgram('unbound-checkconf', 'unbound'), [conf], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new Error(
      `unbound-checkconf rejected the test config: ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`,
    );
  }
  const peer = startPeer('unbound', unbound, ['-d', '-c', conf], join(dir, 'unbound.out'));
  await waitForPort(port, { peer });
  return { port, server: `127.0.0.1:${port}`, peer, stop: () => peer.stop() };
}
