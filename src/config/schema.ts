/**
 * The config schema. It is also the documentation: `config describe` prints an annotated
 * sample generated from these descriptions and defaults.
 */
import { z } from 'zod';
import { imapSection, pop3Section, storeSection } from './sections/access.js';
import { dnsSection, listenSection, logSection, tlsSection } from './sections/core.js';
import { directorySection } from './sections/directory.js';
import { deliverySection, dkimSection, smtpSection } from './sections/smtp.js';

export const configSchema = z
  .object({
    hostname: z
      .string()
      .regex(
        /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/,
        {
          message: 'not a valid host name',
        },
      )
      .default('localhost')
      .describe('the server name used in HELO, banners and Received headers'),
    run_as: z
      .string()
      .default('')
      .describe(
        'when started as root: user to switch to after binding ports ("user" or "user:group"); empty = the owner of data_dir when that is not root',
      ),
    data_dir: z
      .string()
      .default('./data')
      .describe('Maildir store, queue and SQLite databases; relative to the config file'),
    listen: listenSection,
    tls: tlsSection,
    dns: dnsSection,
    directory: directorySection,
    store: storeSection,
    smtp: smtpSection,
    dkim: dkimSection,
    delivery: deliverySection,
    imap: imapSection,
    pop3: pop3Section,
    log: logSection,
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
