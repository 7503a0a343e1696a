/** Top-level keys every part of mailctl relies on: names, paths, listeners, TLS, DNS, logs. */
import { z } from 'zod';
import { listenAddress } from '../types.js';

export const listenerNames = [
  'smtp',
  'submission',
  'submissions',
  'imap',
  'imaps',
  'pop3',
  'pop3s',
  'http',
] as const;
export type ListenerName = (typeof listenerNames)[number];

/** Well-known ports, and the unprivileged ones used when mailctl is not root. */
export const defaultListen: Record<ListenerName, { root: string; user: string }> = {
  smtp: { root: '0.0.0.0:25', user: '0.0.0.0:2525' },
  submission: { root: '0.0.0.0:587', user: '0.0.0.0:2587' },
  submissions: { root: '0.0.0.0:465', user: '0.0.0.0:2465' },
  imap: { root: '0.0.0.0:143', user: '0.0.0.0:2143' },
  imaps: { root: '0.0.0.0:993', user: '0.0.0.0:2993' },
  pop3: { root: '0.0.0.0:110', user: '0.0.0.0:2110' },
  pop3s: { root: '0.0.0.0:995', user: '0.0.0.0:2995' },
  http: { root: '127.0.0.1:8025', user: '127.0.0.1:8025' },
};

const listenShape = Object.fromEntries(
  listenerNames.map((n) => [
    n,
    listenAddress
      .optional()
      .describe(
        `${n} listener address; default ${defaultListen[n].root} (${defaultListen[n].user} when not root); "" disables it`,
      ),
  ]),
) as Record<ListenerName, z.ZodOptional<typeof listenAddress>>;

export const listenSection = z
  .object({
    ...listenShape,
    proxy_protocol: z
      .array(z.enum(listenerNames))
      .default([])
      .describe('listeners that expect a PROXY protocol v1/v2 header from a load balancer'),
  })
  .strict()
  .prefault({})
  .describe('where each service listens; bind MX and submission to different addresses to separate roles');

export const tlsSection = z
  .object({
    cert: z.string().default('tls/cert.pem').describe('PEM certificate chain; relative to the config file'),
    key: z.string().default('tls/key.pem').describe('PEM private key; relative to the config file'),
    min_version: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('oldest TLS version accepted'),
  })
  .strict()
  .prefault({})
  .describe('certificate for every TLS listener; reloaded on SIGHUP and when the files change');

export const dnsSection = z
  .object({
    servers: z
      .array(z.string())
      .default([])
      .describe('DNS servers as "ip" or "ip:port"; empty uses the system resolver'),
    timeout: z.number().int().positive().default(5000).describe('milliseconds per DNS query'),
  })
  .strict()
  .prefault({})
  .describe('the resolver used for MX, SPF, DKIM, DMARC and blocklist lookups');

export const logSection = z
  .object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info').describe('log level'),
    file: z.string().default('').describe('log file; empty writes JSON lines to stderr'),
  })
  .strict()
  .prefault({})
  .describe('structured (pino) logging');
