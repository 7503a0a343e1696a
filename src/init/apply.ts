/** Applies an init plan: refuse conflicts, write keys and config atomically, create the domain, re-validate. */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { checkConfig } from '../config/check.js';
import { withDirectory } from '../directory/session.js';
import { MailctlError } from '../errors.js';
import { type DnsRecord, dnsRecords, zoneText } from './dns.js';
import type { InitPlan } from './plan.js';

export interface InitResult {
  plan: Omit<InitPlan, 'configText'>;
  domainCreated: boolean;
  dns: DnsRecord[];
  zone: string;
  nextSteps: string[];
}

function writeAtomic(path: string, data: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

/**
 * The certificate comes from the openssl CLI (via execa) rather than the `selfsigned`
 * package: Node cannot sign X.509 itself, openssl is on every machine of this kind (our
 * test peers need it too), and it writes the exact PEM files operators expect.
 */
async function selfSignedCert(plan: InitPlan): Promise<void> {
  mkdirSync(dirname(plan.files.cert), { recursive: true });
  const tmpCert = `${plan.files.cert}.tmp-${process.pid}`;
  const tmpKey = `${plan.files.key}.tmp-${process.pid}`;
  try {
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '825',
      '-subj',
      `/CN=${plan.hostname}`,
      '-addext',
      `subjectAltName=DNS:${plan.hostname}`,
      '-keyout',
      tmpKey,
      '-out',
      tmpCert,
    ]);
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ENOENT';
    throw new MailctlError(
      'unreachable',
      `could not create the TLS certificate: ${missing ? 'openssl is not installed' : (e as Error).message}`,
      {
        where: plan.files.cert,
        hint: missing
          ? 'apt-get install -y openssl, then run init again'
          : 'check that the directory is writable',
        cause: e,
      },
    );
  }
  renameSync(tmpKey, plan.files.key);
  renameSync(tmpCert, plan.files.cert);
}

function dkimKey(plan: InitPlan): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeAtomic(plan.files.dkim, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

function localAddresses(): { ipv4?: string; ipv6?: string } {
  const all = Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((a) => !a.internal);
  return {
    ipv4: all.find((a) => a.family === 'IPv4')?.address,
    ipv6: all.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80'))?.address,
  };
}

export async function applyInit(plan: InitPlan): Promise<InitResult> {
  const targets = [plan.files.config, plan.files.cert, plan.files.key, plan.files.dkim];
  const existing = targets.filter((f) => existsSync(f));
  if (existing.length && !plan.force) {
    throw new MailctlError(
      'usage',
      `init would overwrite ${existing.length} existing file(s): ${existing.join(', ')}`,
      {
        where: plan.dir,
        hint: 'nothing was changed; pass --force to replace them, or use --dir for a fresh directory',
      },
    );
  }
  mkdirSync(plan.files.dataDir, { recursive: true });
  await selfSignedCert(plan);
  const dkimPublicKey = dkimKey(plan);
  writeAtomic(plan.files.config, plan.configText, 0o640);
  const { config } = checkConfig(plan.files.config); // re-validate what we wrote
  const domainCreated = await withDirectory(config, async (d) => {
    if (await d.isLocalDomain(plan.domain)) return false;
    await d.addDomain(plan.domain);
    return true;
  });
  const ips = localAddresses();
  const dns = dnsRecords({ ...plan, dkimPublicKey, ...ips });
  const { configText: _c, ...rest } = plan;
  return {
    plan: rest,
    domainCreated,
    dns,
    zone: zoneText(dns, plan.hostname, ips.ipv4),
    nextSteps: [
      'publish the DNS records above at your DNS provider (and the PTR with your IP provider)',
      `replace the self-signed certificate: set [tls] cert/key in ${plan.files.config} to a real one (reloaded on SIGHUP)`,
      `create the first account: mailctl accounts add postmaster@${plan.domain}`,
      `start the server: mailctl serve --config ${plan.files.config}`,
      `check it from outside: mailctl audit ${plan.domain}`,
    ],
  };
}
