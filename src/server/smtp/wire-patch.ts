/**
 * Three small behaviours smtp-server does not expose as options, installed once on its
 * connection class and active only for servers created with `mailctl: true`:
 * - the early-talker pause before the banner is smtp.greeting_delay (hard-coded 100 ms
 *   upstream, which alone caps a 20-session load generator near 190 msg/s);
 * - every 4xx/5xx reply ends with the session id, also the library's own replies, and a
 *   reply text that already carries an enhanced code is sent without a second one;
 * - AUTH is not advertised in EHLO before TLS unless plaintext auth is allowed.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { hasEnhancedCode } from '../../proto/smtp-reply.js';

interface WireOptions {
  mailctl?: boolean;
  greetingDelay?: number;
  maxClients?: number;
  authMethods: string[];
  allowInsecureAuth?: boolean;
}

interface Conn {
  id: string;
  secure: boolean;
  _server: { options: WireOptions; connections: Set<unknown> };
  _setListeners(cb: () => void): void;
  connectionReady(): void;
  send(code: number, data?: string | string[], context?: string | false): void;
  handler_EHLO(command: Buffer | string, callback: () => void): void;
}

const proto = (SMTPConnection as unknown as { prototype: Conn }).prototype;
let installed = false;

export function installWirePatch(): void {
  if (installed) return;
  installed = true;
  const origInit = (proto as unknown as { init(this: Conn): void }).init;
  (proto as unknown as { init(this: Conn): void }).init = function (this: Conn) {
    const o = this._server.options;
    if (!o.mailctl) return origInit.call(this);
    this._setListeners(() => {
      if (o.maxClients && this._server.connections.size > o.maxClients) {
        return this.send(421, '4.7.0 too many connections, try again in a moment');
      }
      const t = setTimeout(() => this.connectionReady(), o.greetingDelay ?? 0);
      t.unref();
    });
  };

  const origSend = proto.send;
  proto.send = function (this: Conn, code, data, context) {
    if (!this._server.options.mailctl || code < 400 || data === undefined) {
      if (typeof data === 'string' && this._server.options.mailctl && hasEnhancedCode(data)) {
        return origSend.call(this, code, data, false);
      }
      return origSend.call(this, code, data, context);
    }
    const tag = `(${this.id})`;
    const withId = (s: string) => (s.endsWith(tag) ? s : `${s} ${tag}`);
    if (Array.isArray(data)) {
      const lines = [...data];
      lines[lines.length - 1] = withId(lines[lines.length - 1] ?? '');
      return origSend.call(this, code, lines, context);
    }
    if (hasEnhancedCode(data)) return origSend.call(this, code, withId(data), false);
    return origSend.call(this, code, withId(data), context);
  };

  const origEhlo = proto.handler_EHLO;
  proto.handler_EHLO = function (this: Conn, command, callback) {
    const o = this._server.options;
    if (!o.mailctl || this.secure || o.allowInsecureAuth) return origEhlo.call(this, command, callback);
    const saved = o.authMethods;
    o.authMethods = [];
    try {
      return origEhlo.call(this, command, callback);
    } finally {
      o.authMethods = saved;
    }
  };
}
