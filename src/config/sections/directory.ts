/** Accounts: the embedded SQLite directory or a shared LDAP one. */
import { z } from 'zod';

export const ldapSection = z
  .object({
    url: z
      .string()
      .default('ldap://127.0.0.1:389')
      .describe('ldap:// or ldaps:// URL of the directory server'),
    bind_dn: z.string().default('').describe('DN mailctl binds as to search (and to write, if allowed)'),
    bind_password: z.string().default('').describe('password for bind_dn (masked in `config show`)'),
    base_dn: z.string().default('').describe('subtree that holds the mail users'),
    user_filter: z
      .string()
      .default('(objectClass=inetOrgPerson)')
      .describe('filter that selects mail users; the address test is ANDed to it'),
    domain_base_dn: z.string().default('').describe('subtree for domain entries (default: base_dn)'),
    mail_attribute: z.string().default('mail').describe('attribute holding the primary address'),
    alias_attribute: z.string().default('mailAlternateAddress').describe('attribute holding extra addresses'),
    password_attribute: z.string().default('userPassword').describe('attribute holding the password hash'),
    name_attribute: z.string().default('cn').describe('attribute holding the display name'),
    quota_attribute: z.string().default('').describe('attribute holding the quota in bytes; empty: no quota'),
    disabled_attribute: z
      .string()
      .default('')
      .describe('boolean attribute marking a disabled account; empty: accounts cannot be disabled here'),
    object_classes: z
      .array(z.string())
      .default(['inetOrgPerson'])
      .describe(
        'object classes of accounts mailctl creates (add the one that carries quota/disabled attributes)',
      ),
    retries: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe('retries after a connection failure before giving up'),
    starttls: z.boolean().default(false).describe('upgrade ldap:// with StartTLS'),
    ca: z.string().default('').describe('CA file to verify the LDAP server certificate'),
    timeout: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe('milliseconds for connect and each operation'),
  })
  .strict();

export const directorySection = z
  .object({
    backend: z.enum(['sqlite', 'ldap']).default('sqlite').describe('where accounts live'),
    sqlite_path: z.string().default('').describe('SQLite file; default DATA_DIR/accounts.sqlite'),
    min_password_length: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('shortest password accepted for new passwords'),
    ldap: ldapSection.optional().describe('LDAP settings, required when backend = "ldap"'),
  })
  .strict()
  .prefault({})
  .describe('accounts, domains and aliases');
