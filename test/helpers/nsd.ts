/**
 * A real authoritative DNS server (NSD) on loopback, serving the zones a test gives.
 * Point mailctl at it with dns.servers = ["127.0.0.1:PORT"] (or --resolver).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Peer, requireProgram, startPeer, waitForPort } from './proc.js';

export interface Nsd {
  port: number;
  /** "127.0.0.1:PORT" for dns.servers / --resolver. */
  server: string;
  peer: Peer;
  stop(): Promise<void>;
}

/** zones: origin → zone file text (with $ORIGIN/$TTL and an SOA). */
export async function startNsd(dir: string, zones: Record<string, string>): Promise<Nsd> {
  const nsd = requireProgram('nsd', 'nsd');
  const port = await freePort();
  const zoneBlocks = Object.entries(zones)
    .map(([origin, text]) => {
      const file = `${origin.replace(/\.$/, '')}.zone`;
      writeFileSync(join(dir, file), text);
      return `zone:\n  name: "${origin}"\n  zonefile: "${file}"\n`;
    })
    .join('\n');
  const conf = join(dir, 'nsd.conf');
  writeFileSync(
    conf,
    `server:\n  ip-address: 127.0.0.1@${port}\n  port: ${port}\n  username: ""\n  zonesdir: "${dir}"\n` +
      `  pidfile: "${dir}/nsd.pid"\n  database: ""\n  xfrdfile: "${dir}/xfrd.state"\n  zonelistfile: "${dir}/zone.list"\n` +
      `  logfile: "${dir}/nsd.log"\n  verbosity: 1\n  server-count: 1\n\nremote-control:\n  control-enable: no\n\n${zoneBlocks}`,
  );
  try {
    execFileSync(requireProgram('nsd-checkconf', 'nsd'), [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(
      `nsd-checkconf rejected the test config: ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`,
    );
  }
  const peer = startPeer('nsd', nsd, ['-d', '-c', conf], join(dir, 'nsd.out'));
  await waitForPort(port, { peer });
  return { port, server: `127.0.0.1:${port}`, peer, stop: () => peer.stop() };
}

/** A zone file with an SOA and NS, then the given records (relative names allowed). */
export function zone(origin: string, records: string): string {
  const o = origin.endsWith('.') ? origin : `${origin}.`;
  return `$ORIGIN ${o}\n$TTL 300\n@ IN SOA ns1.${o} hostmaster.${o} 1 3600 600 86400 300\n@ IN NS ns1.${o}\nns1 IN A 127.0.0.1\n${records}\n`;
}
