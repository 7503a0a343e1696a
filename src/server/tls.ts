/**
 * The certificate every TLS listener uses. Listeners ask for `context()` per connection,
 * so a reload (SIGHUP or the files changing) takes effect without a restart.
 */
import { EventEmitter } from 'node:events';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import {
  createSecureContext,
  createServer as createTlsServer,
  type SecureContext,
  type SecureVersion,
  type TLSSocket,
  type Server as TlsServer,
} from 'node:tls';
import { MailctlError } from '../errors.js';

export interface TlsFiles {
  cert: string;
  key: string;
  min_version: SecureVersion;
}

export class TlsManager extends EventEmitter {
  private current: SecureContext;
  /** PEM of the current pair: tls.createServer ignores `secureContext`, so servers need these for clients without SNI. */
  private pem: { cert: Buffer; key: Buffer } = { cert: Buffer.alloc(0), key: Buffer.alloc(0) };
  private servers = new Set<TlsServer>();
  private watchers: FSWatcher[] = [];
  private debounce?: NodeJS.Timeout;

  constructor(private files: TlsFiles) {
    super();
    this.current = this.load();
  }

  /** Current context; listeners call this for every handshake. */
  context(): SecureContext {
    return this.current;
  }

  get minVersion(): SecureVersion {
    return this.files.min_version;
  }

  /** Server options for tls.createServer / TLSSocket: SNI hands out the current context. */
  serverOptions() {
    return {
      cert: this.pem.cert,
      key: this.pem.key,
      secureContext: this.current,
      minVersion: this.files.min_version,
      SNICallback: (_name: string, cb: (err: Error | null, ctx?: SecureContext) => void) =>
        cb(null, this.current),
    };
  }

  private load(): SecureContext {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(this.files.cert);
      key = readFileSync(this.files.key);
    } catch (e) {
      throw new MailctlError('config', `cannot read the TLS certificate or key: ${(e as Error).message}`, {
        where: `${this.files.cert}, ${this.files.key}`,
        hint: 'run `mailctl init` for a self-signed certificate, or set [tls] cert and key',
        cause: e,
      });
    }
    try {
      const ctx = createSecureContext({ cert, key, minVersion: this.files.min_version });
      this.pem = { cert, key };
      return ctx;
    } catch (e) {
      throw new MailctlError('config', `the TLS certificate or key is not usable: ${(e as Error).message}`, {
        where: `${this.files.cert}, ${this.files.key}`,
        hint: 'check that the key matches the certificate and both are PEM',
        cause: e,
      });
    }
  }

  /** Re-reads the files; keeps the old context (and says why) if the new one is broken. */
  reload(files: TlsFiles = this.files): { ok: true } | { ok: false; error: MailctlError } {
    const previous = this.files;
    this.files = files;
    try {
      this.current = this.load();
      for (const server of this.servers)
        server.setSecureContext({ ...this.pem, minVersion: this.files.min_version });
      this.emit('reload');
      return { ok: true };
    } catch (e) {
      this.files = previous;
      return { ok: false, error: e as MailctlError };
    }
  }

  /** An implicit-TLS server that always presents the current certificate, with or without SNI. */
  createServer(onSecure: (socket: TLSSocket) => void): TlsServer {
    const server = createTlsServer(this.serverOptions(), onSecure);
    this.attach(server);
    return server;
  }

  /**
   * Keeps an implicit-TLS server's default certificate (used when the client sends no SNI,
   * e.g. connects by IP address) current across reloads.
   */
  attach(server: TlsServer): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  /** Reloads when the cert or key file changes on disk. */
  watchFiles(onResult: (r: ReturnType<TlsManager['reload']>) => void): void {
    for (const f of [this.files.cert, this.files.key]) {
      try {
        const w = watch(f, () => {
          clearTimeout(this.debounce);
          this.debounce = setTimeout(() => onResult(this.reload()), 200);
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // A file we cannot watch is still reloaded on SIGHUP.
      }
    }
  }

  close(): void {
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
