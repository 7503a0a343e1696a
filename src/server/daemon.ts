/** Wires config, log, directory, store, TLS and every service together: start, reload, stop. */

import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { type Config, loadConfig } from '../config/load.js';
import { openDirectory } from '../directory/open.js';
import { Resolver } from '../dns/resolver.js';
import { openStore } from '../store/open.js';
import { threadPoolSize } from '../thread-pool.js';
import { createLogger, type Logger } from './observe/logger.js';
import { dropPrivileges } from './privileges.js';
import { openQueue } from './queue/open.js';
import type { BoundAddress, DaemonContext, Service } from './service.js';
import { serviceFactories } from './services.js';
import { TlsManager } from './tls.js';

export interface DaemonOptions {
  /** Only start these services (tests); default all. */
  only?: string[];
  log?: Logger;
  /** Switch away from root once every port is bound (the serve command; never in-process tests). */
  dropPrivileges?: boolean;
}

export class Daemon {
  private constructor(
    readonly ctx: DaemonContext,
    private services: Service[],
  ) {}

  static async start(config: Config, opts: DaemonOptions = {}): Promise<Daemon> {
    mkdirSync(config.data_dir, { recursive: true });
    const log = opts.log ?? createLogger(config.log);
    for (const note of config.notes) log.info(note);
    // fsyncs in flight are capped by this; 4 (libuv's default) means the process was not
    // started through bin/mailctl.js and stores mail more slowly
    log.info({ threadPool: threadPoolSize() }, 'file system thread pool');
    const directory = await openDirectory(config);
    const store = await openStore(config, directory);
    const queue = await openQueue(config);
    const tls = new TlsManager(config.tls);
    const resolver = new Resolver({ servers: config.dns.servers, timeout: config.dns.timeout });
    const ctx: DaemonContext = {
      config,
      log,
      store,
      directory,
      queue,
      tls,
      resolver,
      events: new EventEmitter(),
    };
    ctx.events.setMaxListeners(100);
    tls.watchFiles((r) =>
      r.ok
        ? log.info('TLS certificate reloaded')
        : log.error({ err: r.error.message }, 'TLS reload failed; keeping the old certificate'),
    );
    const services: Service[] = [];
    try {
      for (const f of serviceFactories) {
        if (opts.only && !opts.only.includes(f.name)) continue;
        const factory = await f.load();
        services.push(...(await factory(ctx)));
      }
    } catch (e) {
      await Promise.allSettled(services.map((s) => s.stop(0)));
      tls.close();
      await queue.close();
      await directory.close();
      throw e;
    }
    for (const a of services.flatMap((s) => s.addresses()))
      log.info({ listener: a.listener, host: a.host, port: a.port }, 'listening');
    // Every port is bound: no more root from here on (requirement 10 of MISSION.md).
    try {
      if (opts.dropPrivileges) dropPrivileges(config, log);
    } catch (e) {
      await Promise.allSettled(services.map((s) => s.stop(0)));
      tls.close();
      await queue.close();
      await directory.close();
      throw e;
    }
    return new Daemon(ctx, services);
  }

  addresses(): BoundAddress[] {
    return this.services.flatMap((s) => s.addresses());
  }

  /** The bound port of a listener, e.g. port("smtp"). */
  port(listener: string): number {
    const a = this.addresses().find((x) => x.listener === listener);
    if (!a) throw new Error(`listener ${listener} is not running`);
    return a.port;
  }

  /** SIGHUP: re-read the config file and the certificate. */
  async reload(): Promise<void> {
    const { config, log, tls } = this.ctx;
    let next: Config = config;
    if (config.source) {
      try {
        next = loadConfig({ file: config.source });
      } catch (e) {
        log.error({ err: (e as Error).message }, 'config reload failed; keeping the running config');
        return;
      }
    }
    const r = tls.reload(next.tls);
    if (!r.ok) log.error({ err: r.error.message }, 'TLS reload failed; keeping the old certificate');
    this.ctx.config = next;
    for (const s of this.services) await s.reload?.(next);
    log.info('reloaded');
  }

  /** SIGTERM: stop accepting, let transactions finish, close everything. */
  async stop(deadlineMs = 10_000): Promise<void> {
    const { log, tls, directory, queue } = this.ctx;
    log.info('stopping');
    await Promise.allSettled([...this.services].reverse().map((s) => s.stop(deadlineMs)));
    tls.close();
    await queue.close();
    await directory.close();
    log.info('stopped');
    log.flush?.();
  }
}
