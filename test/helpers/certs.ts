/**
 * A throwaway test CA and a server certificate for "localhost" / 127.0.0.1, made with the
 * real openssl, so TLS tests verify chains the way clients (mbsync, curl, Python) do.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireProgram } from './proc.js';

export interface TestCerts {
  dir: string;
  caCert: string;
  cert: string;
  key: string;
  /** The CA certificate text, for clients that want it in memory. */
  caPem: string;
}

export function makeCerts(dir: string, opts: { names?: string[]; days?: number } = {}): TestCerts {
  const openssl = requireProgram('openssl', 'openssl');
  mkdirSync(dir, { recursive: true });
  const names = opts.names ?? ['localhost'];
  const run = (...args: string[]) =>
    execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=mailctl test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'req.csr',
    '-subj',
    `/CN=${names[0]}`,
  );
  const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  run(
    'x509',
    '-req',
    '-in',
    'req.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    String(opts.days ?? 365),
    '-extfile',
    'ext.cnf',
  );
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
  };
}
