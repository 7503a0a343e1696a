/**
 * `mailctl init` as a pure plan: which files, what config text, which domain. The apply
 * step (apply.ts) checks for conflicts first and only then writes, so a refused init
 * changes nothing.
 */
import { join, resolve } from 'node:path';
import { canonicalDomain } from '../directory/validate.js';
import { MailctlError } from '../errors.js';

export interface InitOptions {
  domain?: string;
  hostname?: string;
  dir?: string;
  force?: boolean;
  selector?: string;
  /** For tests: the date used in the default selector and MTA-STS id. */
  now?: Date;
}

export interface InitPlan {
  dir: string;
  domain: string;
  hostname: string;
  selector: string;
  force: boolean;
  stsId: string;
  files: { config: string; cert: string; key: string; dkim: string; dataDir: string };
  configText: string;
}

const SELECTOR = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function planInit(o: InitOptions): InitPlan {
  const now = o.now ?? new Date();
  const hostInput = o.hostname ?? (o.domain ? `mx.${o.domain}` : undefined);
  const domainInput = o.domain ?? (o.hostname ? o.hostname.split('.').slice(1).join('.') : 'example.com');
  const domain = canonicalDomain(domainInput);
  if (!domain) {
    throw new MailctlError('usage', `--domain "${domainInput}" is not a valid domain name`, {
      hint: 'write the mail domain, e.g. --domain example.com',
    });
  }
  const hostname = canonicalDomain(hostInput ?? `mx.${domain}`);
  if (!hostname) {
    throw new MailctlError('usage', `--hostname "${hostInput}" is not a valid host name`, {
      hint: 'write the fully qualified name of this server, e.g. --hostname mx.example.com',
    });
  }
  const ymd = now.toISOString().slice(0, 10).replace(/-/g, '');
  const selector = o.selector ?? `s${ymd.slice(0, 6)}`;
  if (!SELECTOR.test(selector)) {
    throw new MailctlError('usage', `--selector "${selector}" is not a valid DKIM selector`, {
      hint: 'letters, digits and hyphens, e.g. s202611 (a date lets you rotate keys later)',
    });
  }
  const dir = resolve(o.dir ?? '.');
  return {
    dir,
    domain,
    hostname,
    selector,
    force: Boolean(o.force),
    stsId: `${ymd}01`,
    files: {
      config: join(dir, 'mailctl.toml'),
      cert: join(dir, 'tls', 'cert.pem'),
      key: join(dir, 'tls', 'key.pem'),
      dkim: join(dir, 'dkim', 'private.pem'),
      dataDir: join(dir, 'data'),
    },
    configText: configText(hostname, selector),
  };
}

function configText(hostname: string, selector: string): string {
  return `# mailctl configuration written by \`mailctl init\`.
# Every key with its default and meaning: \`mailctl config describe\`; validate: \`mailctl config check\`.
# Relative paths are relative to this file.

hostname = "${hostname}"
data_dir = "data"

# Listeners default to the well-known ports (25, 587, 465, 143, 993, 110, 995) when run as
# root, and to 2525, 2587, 2465, 2143, 2993, 2110, 2995 otherwise. Uncomment to choose:
[listen]
# smtp = "0.0.0.0:25"
# submission = "0.0.0.0:587"
# http = "127.0.0.1:8025"

# A self-signed certificate until you give a real one (e.g. from Let's Encrypt).
[tls]
cert = "tls/cert.pem"
key = "tls/key.pem"

# Outbound mail is signed with this key; publish the DNS record \`mailctl init\` printed.
[dkim]
selector = "${selector}"
key = "dkim/private.pem"

[directory]
backend = "sqlite"
`;
}
