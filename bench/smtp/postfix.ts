/**
 * A throwaway Postfix instance (its own config, queue and Maildir under DIR) listening on
 * 127.0.0.1:PORT and delivering virtual mailboxes to Maildir: the reference MTA of the
 * SMTP benchmark. Started with `postfix -c DIR/etc start`, stopped with `postfix stop`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PostfixInstance {
  port: number;
  /** new/ of a recipient's Maildir (where delivered mail appears). */
  maildirNew(rcpt: string): string;
  stop(): void;
}

const NOBODY = 65534;

export function startPostfix(dir: string, port: number, rcpts: string[]): PostfixInstance {
  const domain = rcpts[0].split('@')[1];
  const box = (r: string) => `${domain}/${r.split('@')[0]}/Maildir/`;
  const etc = join(dir, 'etc');
  for (const d of ['etc', 'queue', 'data', 'log', 'mail']) mkdirSync(join(dir, d), { recursive: true });
  // postfix and nobody must be able to walk into DIR (mkdtemp makes it 0700).
  chmodSync(dir, 0o755);
  chownSync(join(dir, 'data'), execUid('postfix'), 0);
  chownSync(join(dir, 'mail'), NOBODY, NOBODY);
  const main = `
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix-bench.local
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
biff = no
smtpd_client_restrictions =
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = ${domain}
virtual_mailbox_base = ${dir}/mail
virtual_mailbox_maps = inline:{ ${rcpts.map((r) => `${r}=${box(r)}`).join(', ')} }
virtual_uid_maps = static:${NOBODY}
virtual_gid_maps = static:${NOBODY}
virtual_mailbox_limit = 0
message_size_limit = 52428800
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
in_flow_delay = 0
maillog_file = ${dir}/log/postfix.log
maillog_file_prefixes = ${dir}/log
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
`;
  writeFileSync(join(etc, 'main.cf'), main);
  const master = readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .map((l) => (/^smtp\s+inet\s/.test(l) ? `127.0.0.1:${port} inet n - n - - smtpd` : l))
    .map((l) => l.replace(/^(\w+\s+(unix|fifo|pass)\s+\S+\s+\S+\s+)y(\s)/, '$1n$3'))
    .join('\n');
  writeFileSync(join(etc, 'master.cf'), master);
  execFileSync('postfix', ['-c', etc, 'start'], { stdio: 'pipe' });
  return {
    port,
    maildirNew: (r) => join(dir, 'mail', box(r), 'new'),
    stop: () => {
      try {
        execFileSync('postfix', ['-c', etc, 'stop'], { stdio: 'pipe' });
      } catch {
        // already stopped
      }
    },
  };
}

function execUid(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

/** Files in a Maildir new/ (0 if it does not exist yet). */
export function countNew(dirNew: string): number {
  try {
    return readdirSync(dirNew).length;
  } catch {
    return 0;
  }
}
