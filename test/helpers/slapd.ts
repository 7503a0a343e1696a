/**
 * A real OpenLDAP slapd on 127.0.0.1:<free port>, with a temporary slapd.conf and mdb
 * database seeded from fixtures/ldap/*.ldif (see TESTING.md). Stopped by pid in `after`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeCerts, type TestCerts } from './certs.js';
import { freePort, type Peer, requireProgram, startPeer, waitForPort } from './proc.js';
import { tempDir } from './tmp.js';

export const LDAP_SUFFIX = 'dc=example,dc=test';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
export const LDAP_ROOT_PW = 'admin-secret';
export const LDAP_WRITER = { dn: `cn=mailctl,ou=services,${LDAP_SUFFIX}`, password: 'mailctl-bind-pw' };
export const LDAP_READER = { dn: `cn=reader,ou=services,${LDAP_SUFFIX}`, password: 'reader-bind-pw' };

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/ldap');

export interface Slapd {
  url: string;
  port: number;
  peer: Peer;
  dir: string;
  /** The test CA and server certificate when started with `tls`. */
  certs?: TestCerts;
  /** ldaps:// URL (implicit TLS) when started with `tls`. */
  ldapsUrl?: string;
  /** TOML [directory] + [directory.ldap] tables for a config that uses this server. */
  toml(bind?: { dn: string; password: string }): string;
  /** Stops slapd and starts it again on the same port and data (connection-loss tests). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function slapdConf(dir: string, certs?: TestCerts): string {
  const w = LDAP_WRITER.dn;
  const r = LDAP_READER.dn;
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/misc.schema
include ${FIXTURES}/mailctl.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload argon2
${certs ? `TLSCACertificateFile ${certs.caCert}\nTLSCertificateFile ${certs.cert}\nTLSCertificateKeyFile ${certs.key}\n` : ''}pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
database mdb
maxsize 67108864
suffix "${LDAP_SUFFIX}"
rootdn "${LDAP_ROOT_DN}"
rootpw ${LDAP_ROOT_PW}
directory ${dir}/db
index objectClass eq
index mail,uid,cn,associatedDomain,rfc822MailMember eq
access to attrs=userPassword
  by dn.exact="${w}" write
  by dn.exact="${r}" read
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="${w}" write
  by * read
`;
}

/** `tls`: also serve StartTLS with a test CA (certs in `certs`). */
export async function startSlapd(opts: { tls?: boolean } = {}): Promise<Slapd> {
  const slapd = requireProgram('slapd', 'slapd');
  const ldapadd = requireProgram('ldapadd', 'ldap-utils');
  const tmp = tempDir('mailctl-slapd-');
  const dir = tmp.path;
  mkdirSync(join(dir, 'db'));
  const certs = opts.tls ? makeCerts(join(dir, 'tls')) : undefined;
  writeFileSync(join(dir, 'slapd.conf'), slapdConf(dir, certs));
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const tlsPort = certs ? await freePort() : undefined;
  const ldapsUrl = tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined;
  const listen = ldapsUrl ? `${url}/ ${ldapsUrl}/` : `${url}/`;
  const launch = () =>
    startPeer(
      'slapd',
      slapd,
      ['-h', listen, '-f', join(dir, 'slapd.conf'), '-d', '256'],
      join(dir, 'slapd.log'),
    );
  const peer = launch();
  try {
    await waitForPort(port, { peer });
    if (tlsPort) await waitForPort(tlsPort, { peer });
    for (const f of readdirSync(FIXTURES)
      .filter((n) => n.endsWith('.ldif'))
      .sort()) {
      execFileSync(
        ldapadd,
        ['-x', '-H', url, '-D', LDAP_ROOT_DN, '-w', LDAP_ROOT_PW, '-f', join(FIXTURES, f)],
        {
          stdio: 'pipe',
        },
      );
    }
  } catch (e) {
    await peer.stop();
    tmp.cleanup();
    throw e;
  }
  const server: Slapd = {
    url,
    port,
    peer,
    dir,
    certs,
    ldapsUrl,
    toml: (bind = LDAP_WRITER) => `[directory]
backend = "ldap"
min_password_length = 8
[directory.ldap]
url = "${url}"
bind_dn = "${bind.dn}"
bind_password = "${bind.password}"
base_dn = "ou=people,${LDAP_SUFFIX}"
domain_base_dn = "ou=domains,${LDAP_SUFFIX}"
quota_attribute = "mailQuota"
disabled_attribute = "mailDisabled"
alias_attribute = "mailAlternateAddress"
object_classes = ["inetOrgPerson", "mailctlAccount"]
timeout = 2000
retries = 1
`,
    async restart() {
      await server.peer.stop();
      server.peer = launch();
      await waitForPort(port, { peer: server.peer });
    },
    async stop() {
      await server.peer.stop(); // the current peer: a test may have restarted slapd
      tmp.cleanup();
    },
  };
  return server;
}
