/** IMAP and POP3 settings. Owned by the mailbox-access part of the daemon. */
import { z } from 'zod';
import { duration, size } from '../types.js';

export const imapSection = z
  .object({
    allow_plaintext_login: z.boolean().default(false).describe('allow LOGIN/AUTH before STARTTLS (insecure)'),
    max_literal: size('64MB').describe('largest literal (APPEND) accepted; larger is refused unread'),
    max_line: size('64KB').describe('longest command line'),
    max_connections_per_user: z
      .number()
      .int()
      .positive()
      .default(20)
      .describe('concurrent sessions per user'),
    max_connections_per_ip: z
      .number()
      .int()
      .positive()
      .default(50)
      .describe('concurrent sessions per client IP'),
    auth_failure_delay: duration('2s').describe('pause after a failed login; tests set 0'),
    idle_timeout: duration('30m').describe('drop idle clients after this long (RFC 3501 minimum 30m)'),
  })
  .strict()
  .prefault({})
  .describe('IMAP4rev1 server');

export const pop3Section = z
  .object({
    allow_plaintext_login: z.boolean().default(false).describe('allow USER/PASS before STLS (insecure)'),
    max_connections_per_ip: z
      .number()
      .int()
      .positive()
      .default(50)
      .describe('concurrent sessions per client IP'),
    auth_failure_delay: duration('2s').describe('pause after a failed login; tests set 0'),
    idle_timeout: duration('10m').describe('drop idle clients after this long'),
  })
  .strict()
  .prefault({})
  .describe('POP3 server');

export const storeSection = z
  .object({
    default_quota: size('0').describe('quota for accounts without their own; 0 = unlimited'),
    fsync: z
      .boolean()
      .default(true)
      .describe('fsync each message before acknowledging it (never turn off in production)'),
  })
  .strict()
  .prefault({})
  .describe('the Maildir store under DATA_DIR/mail');
