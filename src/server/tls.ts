/**
 * The certificate every TLS listener uses. Listeners ask for `context()` per connection,
 * so a reload (SIGHUP or the files changing) takes effect without a restart.
 */
import { EventEmitter } from 'node:events';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureVersion } from 'node:tls';
import { MailctlError } from '../errors.js';

export interface TlsFiles {
  cert: string;
  key: string;
  min_version: SecureVersion;
}

export class TlsManager extends EventEmitter {
  private current: SecureContext;
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
      return createSecureContext({ cert, key, minVersion: this.files.min_version });
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
      this.emit('reload');
      return { ok: true };
    } catch (e) {
      this.files = previous;
      return { ok: false, error: e as MailctlError };
    }
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
