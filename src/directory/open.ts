/** Opens the directory backend the config names. LDAP code is loaded only when used. */
import type { Config } from '../config/load.js';
import { MailctlError } from '../errors.js';
import type { Directory } from './directory.js';

export async function openDirectory(config: Config): Promise<Directory> {
  const d = config.directory;
  if (d.backend === 'ldap') {
    if (!d.ldap) {
      throw new MailctlError('config', 'directory.backend is "ldap" but there is no [directory.ldap] table', {
        where: config.source,
        hint: 'add [directory.ldap] with url, base_dn, bind_dn and bind_password',
      });
    }
    const { LdapDirectory } = await import('./ldap/ldap.js');
    return LdapDirectory.open(d.ldap, { minPasswordLength: d.min_password_length });
  }
  const { SqliteDirectory } = await import('./sqlite/sqlite.js');
  return SqliteDirectory.open({ path: d.sqlite_path, minPasswordLength: d.min_password_length });
}
