/** Placeholder replaced by the LDAP backend in the next commit. */
import { MailctlError } from '../../errors.js';
import type { Directory } from '../directory.js';

export const LdapDirectory = {
  async open(_cfg: unknown, _opts: { minPasswordLength: number }): Promise<Directory> {
    throw new MailctlError('config', 'the LDAP directory backend is not available in this build yet', {
      hint: 'use directory.backend = "sqlite"',
    });
  },
};
