/** One SMTP listener (smtp, submission or submissions) on smtp-server, configured per role. */
import type { SMTPServerOptions } from 'smtp-server';
import { SMTPServer } from 'smtp-server';
import { parseHostPort } from '../../config/types.js';
import { errnoCode, MailctlError } from '../../errors.js';
import type { BoundAddress, DaemonContext } from '../service.js';
import type { SmtpListener } from './policy/context.js';
import type { Pipeline } from './policy/pipeline.js';
import { acceptProxyHeaders } from './proxy.js';
import { createHooks } from './session.js';
import { installWirePatch } from './wire-patch.js';

export interface SmtpListenerHandle {
  name: SmtpListener;
  address(): BoundAddress;
  reload(): void;
  close(deadlineMs: number): Promise<void>;
}

function roleOptions(ctx: DaemonContext, name: SmtpListener): Partial<SMTPServerOptions> {
  switch (name) {
    case 'smtp':
      // The MX: no AUTH at all, STARTTLS offered.
      return { disabledCommands: ['AUTH'], authOptional: true };
    case 'submission':
      return { authOptional: false, allowInsecureAuth: ctx.config.smtp.allow_plaintext_auth };
    case 'submissions':
      return { secure: true, authOptional: false };
  }
}

export async function startListener(
  ctx: DaemonContext,
  name: SmtpListener,
  getPipeline: () => Pipeline,
): Promise<SmtpListenerHandle> {
  installWirePatch();
  const { config, tls, log } = ctx;
  const addr = parseHostPort(config.listen[name]);
  if (!addr) throw new MailctlError('config', `bad listen address for ${name}: ${config.listen[name]}`);
  const options = {
    mailctl: true,
    greetingDelay: config.smtp.greeting_delay,
    name: config.hostname,
    banner: 'ESMTP ready',
    size: config.smtp.max_message_size,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    hideREQUIRETLS: true,
    disableReverseLookup: true,
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    minVersion: tls.minVersion,
    SNICallback: tls.serverOptions().SNICallback,
    ...roleOptions(ctx, name),
    ...createHooks(ctx, name, getPipeline),
  } as SMTPServerOptions & { mailctl: boolean; greetingDelay: number };
  const server = new SMTPServer(options);
  const internals = server as unknown as { secureContext: Map<string, unknown> };
  const adoptCurrentCert = () => internals.secureContext.set('*', tls.context());
  adoptCurrentCert();
  tls.on('reload', adoptCurrentCert);
  server.on('error', (err: Error & { meta?: { remoteAddress?: string } }) => {
    // Client-side trouble (TLS garbage, resets) lands here; it is never fatal.
    log.info({ listener: name, err: err.message, ip: err.meta?.remoteAddress }, 'SMTP connection error');
  });
  if (config.listen.proxy_protocol.includes(name)) acceptProxyHeaders(server, log, name);

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => {
      reject(
        new MailctlError(
          'config',
          `cannot listen on ${addr.host}:${addr.port} for ${name}: ${errnoCode(e) ?? e.message}`,
          {
            where: `[listen] ${name} = "${config.listen[name]}"`,
            hint:
              errnoCode(e) === 'EACCES'
                ? 'ports below 1024 need root (mailctl drops privileges after binding)'
                : 'another process may use this port; choose another address or stop it',
            cause: e,
          },
        ),
      );
    };
    server.server.once('error', onError);
    server.listen(addr.port, addr.host, () => {
      server.server.removeListener('error', onError);
      resolve();
    });
  });

  return {
    name,
    address() {
      const a = server.server.address();
      const port = typeof a === 'object' && a ? a.port : addr.port;
      return { listener: name, host: addr.host, port };
    },
    reload() {
      const o = server.options as typeof options;
      o.size = ctx.config.smtp.max_message_size;
      o.greetingDelay = ctx.config.smtp.greeting_delay;
      if (name === 'submission') o.allowInsecureAuth = ctx.config.smtp.allow_plaintext_auth;
    },
    close(deadlineMs) {
      tls.removeListener('reload', adoptCurrentCert);
      (server.options as { closeTimeout?: number }).closeTimeout = Math.max(1, deadlineMs);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
