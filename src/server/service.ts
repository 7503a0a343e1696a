/**
 * A service is one part of the daemon (SMTP listeners, IMAP, POP3, the queue runner,
 * HTTP metrics). The daemon builds the shared context once and starts every service in
 * `services.ts`; new parts (security pipeline, archive) are new entries, not rewrites.
 */
import type { EventEmitter } from 'node:events';
import type { Config } from '../config/load.js';
import type { Directory } from '../directory/directory.js';
import type { Resolver } from '../dns/resolver.js';
import type { Store } from '../store/store.js';
import type { Logger } from './observe/logger.js';
import type { OutboundQueue } from './queue/queue.js';
import type { TlsManager } from './tls.js';

export interface DaemonContext {
  config: Config;
  log: Logger;
  store: Store;
  directory: Directory;
  tls: TlsManager;
  resolver: Resolver;
  /** Durable outbound spool; the queue runner service delivers from it. */
  queue: OutboundQueue;
  /** Daemon-wide events ("auth-failure", "message", "connection" …) for metrics and later bans. */
  events: EventEmitter;
}

export interface BoundAddress {
  listener: string;
  host: string;
  port: number;
}

export interface Service {
  readonly name: string;
  /** Addresses actually bound (port 0 resolved), for logs and tests. */
  addresses(): BoundAddress[];
  /** Stop accepting, let transactions finish (up to the deadline), then close. */
  stop(deadlineMs: number): Promise<void>;
  /** Called after SIGHUP with the new config. */
  reload?(config: Config): Promise<void>;
}

export type ServiceFactory = (ctx: DaemonContext) => Promise<Service[]>;
