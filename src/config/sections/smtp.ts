/** Inbound SMTP (MX and submission) settings. Owned by the SMTP part of the daemon. */
import { z } from 'zod';
import { duration, size } from '../types.js';

export const smtpSection = z
  .object({
    max_message_size: size('50MB').describe(
      'largest message accepted (SIZE); bigger ones get 552 after DATA',
    ),
    max_recipients: z.number().int().positive().default(1000).describe('RCPT TO per transaction'),
    greeting_delay: duration('0ms').describe('wait before the banner to catch early talkers (0 disables)'),
    auth_failure_delay: duration('2s').describe('pause after a failed AUTH; tests set 0'),
    allow_plaintext_auth: z
      .boolean()
      .default(false)
      .describe('offer AUTH before STARTTLS (insecure; only for closed test networks)'),
    relay_networks: z
      .array(z.string())
      .default([])
      .describe('CIDRs allowed to relay without AUTH, e.g. ["10.0.0.0/8"]; empty = nobody'),
    quota_reply: z
      .enum(['temporary', 'permanent'])
      .default('temporary')
      .describe('over-quota recipients: 452 4.2.2 (temporary) or 552 5.2.2 (permanent)'),
    dmarc_reject_action: z
      .enum(['reject', 'junk', 'none'])
      .default('reject')
      .describe('what to do with mail failing DMARC with p=reject'),
    dmarc_quarantine_action: z.enum(['junk', 'none']).default('junk').describe('p=quarantine failures'),
    verify_sender_auth: z.boolean().default(true).describe('check SPF/DKIM/DMARC/ARC on the MX listener'),
    sender_grants: z
      .record(z.string(), z.array(z.string()))
      .default({})
      .describe('extra From addresses an account may use: { "alice@example.com" = ["sales@example.com"] }'),
  })
  .strict()
  .prefault({})
  .describe('SMTP receive and submission');

export const dkimSection = z
  .object({
    selector: z.string().default('').describe('DKIM selector; empty disables signing'),
    key: z.string().default('dkim/private.pem').describe('PEM private key; relative to the config file'),
    domains: z.array(z.string()).default([]).describe('domains to sign for; empty = every local domain'),
  })
  .strict()
  .prefault({})
  .describe('DKIM signing of outbound mail');

export const deliverySection = z
  .object({
    port: z.number().int().min(1).max(65535).default(25).describe('port used for remote MX hosts'),
    relay_host: z.string().default('').describe('"host:port" smarthost; empty = deliver by MX'),
    relay_user: z.string().default('').describe('AUTH user for the smarthost'),
    relay_password: z.string().default('').describe('AUTH password for the smarthost (masked)'),
    require_tls: z.boolean().default(false).describe('refuse to deliver without STARTTLS'),
    verify_tls: z.boolean().default(false).describe('verify remote certificates (MTA-STS/DANE style)'),
    lifetime: duration('5d').describe('give up and bounce after this long'),
    delay_warning: duration('4h').describe('send a delay notice once after this long; 0 disables'),
    retry_base: duration('5m').describe('first retry delay; doubles each attempt'),
    retry_max: duration('4h').describe('longest retry delay'),
    concurrency: z.number().int().positive().default(20).describe('deliveries in flight in total'),
    concurrency_per_domain: z
      .number()
      .int()
      .positive()
      .default(4)
      .describe('deliveries in flight per domain'),
    connect_timeout: duration('30s').describe('TCP connect timeout to remote hosts'),
  })
  .strict()
  .prefault({})
  .describe('the outbound queue');
