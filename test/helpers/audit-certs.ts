/**
 * Certificates for the audit's TLS tests, made with the real openssl: issued by the test
 * CA (valid, or expired via openssl ca with dates in the past) and self-signed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCerts } from './certs.js';
import { requireProgram } from './proc.js';

function run(dir: string, args: string[]): void {
  execFileSync(requireProgram('openssl', 'openssl'), args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A certificate for `name` from the CA in `ca`; with `expired`, valid only in January 2020. */
export function issueCert(
  dir: string,
  ca: TestCerts,
  name: string,
  opts: { expired?: boolean } = {},
): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n`,
  );
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth\n`);
  run(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'req.csr',
    '-subj',
    `/CN=${name}`,
  ]);
  run(dir, [
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    ca.caCert,
    '-keyfile',
    join(ca.dir, 'ca.key'),
    '-in',
    'req.csr',
    '-out',
    'cert.pem',
    ...(opts.expired ? ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z'] : ['-days', '90']),
    '-extfile',
    'ext.cnf',
    '-notext',
  ]);
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

/** A self-signed certificate naming `name`. */
export function makeSelfSignedCert(dir: string, name: string): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  run(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'cert.pem',
    '-days',
    '365',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=DNS:${name}`,
  ]);
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}
