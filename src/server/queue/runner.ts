/**
 * The queue runner: takes due messages from the spool, attempts delivery under the
 * concurrency limits, records per-recipient outcomes, schedules retries with exponential
 * backoff, and sends DSNs (failure, expiry, one delay warning). On stop, in-flight
 * deliveries get until the deadline to finish; the rest are cut off and stay queued
 * exactly as they were (due again at the next start).
 */
import { setMaxListeners } from 'node:events';
import type { Config } from '../../config/load.js';
import { formatDuration } from '../../proto/units.js';
import type { DaemonContext, Service } from '../service.js';
import { attemptMessage, domainOf, type Outcome } from './attempt.js';
import { delayWarningDue, nextAttempt, type RetryPolicy, retryDelay } from './backoff.js';
import { sendNotice } from './bounce.js';
import { compact } from './compact.js';
import { readHeaderBlock } from './dkim.js';
import { buildDsn, type DsnRecipient } from './dsn.js';
import { Limiter } from './limiter.js';
import { RouteCache } from './route.js';
import type { MessageRow, Spool } from './spool.js';

export type RunnerContext = Pick<DaemonContext, 'config' | 'log' | 'resolver' | 'directory' | 'store'>;

/** Emitted on the spool after each recorded attempt (logs, metrics, tests). */
export interface AttemptedEvent {
  id: string;
  results: Outcome[];
  done: boolean;
}

export function policyOf(c: Config): RetryPolicy {
  const d = c.delivery;
  return { base: d.retry_base, max: d.retry_max, lifetime: d.lifetime, delayWarning: d.delay_warning };
}

export class QueueRunner implements Service {
  readonly name = 'queue';
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Messages in flight per destination domain (the limiter caps connections; this caps what waits for them). */
  private readonly domainLoad = new Map<string, number>();
  private readonly abort = new AbortController();
  private readonly limiter: Limiter;
  private readonly routes = new RouteCache();
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private lastRecycle = Date.now();
  private compacting?: Promise<void>;
  private readonly wake = () => this.schedule(0);

  constructor(
    private ctx: RunnerContext,
    readonly spool: Spool,
    private readonly pollMs = 1000,
  ) {
    this.limiter = new Limiter(ctx.config.delivery.concurrency, ctx.config.delivery.concurrency_per_domain);
    setMaxListeners(0, this.abort.signal); // one listener per delivery in flight
  }

  start(): this {
    this.spool.on('enqueued', this.wake);
    this.schedule(0);
    return this;
  }

  addresses() {
    return [];
  }

  async reload(config: Config): Promise<void> {
    this.ctx = { ...this.ctx, config };
    this.limiter.setLimits(config.delivery.concurrency, config.delivery.concurrency_per_domain);
  }

  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.spool.off('enqueued', this.wake);
    const all = Promise.allSettled([...this.inFlight.values(), this.compacting]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), deadlineMs);
    });
    if ((await Promise.race([all, late])) === 'late') {
      this.ctx.log.warn(
        { inFlight: this.inFlight.size },
        'queue: stop deadline reached; cutting deliveries off, they stay queued',
      );
      this.abort.abort();
      await all;
    }
    clearTimeout(timer);
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, ms));
  }

  private tick(): void {
    if (this.stopping) return;
    const now = Date.now();
    const { concurrency: cap, concurrency_per_domain: perDomain } = this.ctx.config.delivery;
    try {
      if (now - this.lastRecycle > 10_000) this.housekeeping(now);
      // Look past messages for saturated domains so one slow destination cannot hold
      // every slot (head-of-line blocking): a message starts only if one of its domains has room.
      let waiting = false;
      for (const row of this.spool.due(now, 4 * cap + this.inFlight.size)) {
        if (this.inFlight.has(row.id)) continue;
        if (this.inFlight.size >= cap) {
          waiting = true;
          break;
        }
        const domains = this.openDomains(row.id);
        if (domains.length > 0 && domains.every((d) => (this.domainLoad.get(d) ?? 0) >= perDomain)) {
          waiting = true;
          continue;
        }
        this.launch(row, domains);
      }
      // Due messages that had to wait start when a delivery ends (launch() wakes us) or at the poll.
      const nd = waiting ? undefined : this.spool.nextDueExcept([...this.inFlight.keys()]);
      this.schedule(nd === undefined ? this.pollMs : Math.min(this.pollMs, nd - now));
    } catch (e) {
      this.ctx.log.error({ err: (e as Error).message }, 'queue: cannot read the spool');
      this.schedule(this.pollMs);
    }
  }

  private openDomains(id: string): string[] {
    const open = this.spool
      .recipientRows(id)
      .filter((r) => r.status === 'pending' || r.status === 'deferred');
    return [...new Set(open.map((r) => domainOf(r.rcpt)))];
  }

  /** Frees segments emptied by `mailctl queue delete` (another process) and compacts sparse ones. */
  private housekeeping(now: number): void {
    this.lastRecycle = now;
    this.spool.segments.recycle();
    if (this.compacting) return;
    this.compacting = compact(this.spool, new Set(this.inFlight.keys()))
      .then((r) => {
        if (r.messages > 0) this.ctx.log.info(r, 'queue: compacted spool segments');
      })
      .catch((e) => this.ctx.log.error({ err: (e as Error).message }, 'queue: compaction failed'))
      .finally(() => {
        this.compacting = undefined;
      });
  }

  private launch(row: MessageRow, domains: string[]): void {
    for (const d of domains) this.domainLoad.set(d, (this.domainLoad.get(d) ?? 0) + 1);
    const p = this.process(row)
      .catch((e) => {
        this.ctx.log.error(
          { queueId: row.id, err: (e as Error).message },
          'queue: delivery attempt failed internally',
        );
        try {
          this.spool.postpone(
            row.id,
            Date.now() + retryDelay(row.attempts + 1, policyOf(this.ctx.config)),
            (e as Error).message,
          );
        } catch {
          // the spool is unreadable; tick() reports that
        }
      })
      .finally(() => {
        this.inFlight.delete(row.id);
        for (const d of domains) {
          const n = (this.domainLoad.get(d) ?? 1) - 1;
          if (n <= 0) this.domainLoad.delete(d);
          else this.domainLoad.set(d, n);
        }
        this.schedule(0);
      });
    this.inFlight.set(row.id, p);
    this.spool.emit('attempt-start', row.id);
  }

  private async process(row: MessageRow): Promise<void> {
    const open = this.spool
      .recipientRows(row.id)
      .filter((r) => r.status === 'pending' || r.status === 'deferred')
      .map((r) => r.rcpt);
    const results = open.length
      ? await attemptMessage(row, open, {
          config: this.ctx.config,
          resolver: this.ctx.resolver,
          directory: this.ctx.directory,
          spool: this.spool,
          limiter: this.limiter,
          routes: this.routes,
          signal: this.abort.signal,
          log: (f, m) => this.ctx.log.info(f, `queue: ${m}`),
        })
      : [];
    if (this.abort.signal.aborted) return; // returned to the queue unchanged
    await this.settle(row, results);
  }

  /** Records the outcome; bounces failures, warns once about delays, schedules the retry. */
  private async settle(row: MessageRow, results: Outcome[]): Promise<void> {
    const now = Date.now();
    const policy = policyOf(this.ctx.config);
    let next = now;
    let final = results;
    if (results.some((r) => r.status === 'deferred')) {
      const n = nextAttempt(now, row.created, row.attempts + 1, policy);
      if (n === undefined) {
        const age = formatDuration(policy.lifetime);
        final = results.map((r) =>
          r.status === 'deferred'
            ? {
                ...r,
                status: 'failed',
                statusCode: '4.4.7',
                fromRemote: false,
                error: `gave up after ${age}: ${r.error ?? 'no reply'}`,
              }
            : r,
        );
      } else next = n;
    }
    const failed = final.filter((r) => r.status === 'failed');
    const deferred = final.filter((r) => r.status === 'deferred');
    const done = deferred.length === 0;
    const summary = (deferred[0] ?? failed[0])?.error;
    const commit = () => {
      this.spool.applyAttempt(row.id, final, next, summary);
      if (done) this.spool.drop(row.id);
    };
    const log = { queueId: row.id, sender: row.sender, attempt: row.attempts + 1 };
    for (const r of final)
      this.ctx.log.info({ ...log, rcpt: r.rcpt, status: r.status, reply: r.error }, 'queue: recipient');
    try {
      if (failed.length > 0 && row.sender !== '') {
        const how = await this.notify(
          row,
          failed.map((r) => dsnRecipient(r, 'failed')),
          commit,
        );
        this.ctx.log.info({ ...log, bounce: how }, 'queue: bounce sent');
      } else if (!done && delayWarningDue(now, row.created, row.warned === 1, row.sender, policy)) {
        const how = await this.notify(
          row,
          deferred.map((r) => dsnRecipient(r, 'delayed')),
          () => {
            commit();
            this.spool.markWarned(row.id);
          },
        );
        this.ctx.log.info({ ...log, notice: how }, 'queue: delay warning sent');
      } else {
        await this.spool.commit(commit);
      }
    } catch (e) {
      this.ctx.log.error(
        { ...log, err: (e as Error).message },
        'queue: could not deliver the notice; will try again',
      );
      this.spool.postpone(
        row.id,
        now + retryDelay(row.attempts + 1, policy),
        `notice failed: ${(e as Error).message}`,
      );
      return;
    }
    if (done) this.spool.segments.recycle(row.seg);
    this.spool.emit('attempted', { id: row.id, results: final, done } satisfies AttemptedEvent);
  }

  private async notify(row: MessageRow, rcpts: DsnRecipient[], commit: () => void): Promise<string> {
    const headers = await readHeaderBlock(this.spool.read(row));
    const dsn = buildDsn({
      reportingMta: this.ctx.config.hostname,
      queueId: row.id,
      sender: row.sender,
      arrival: new Date(row.created),
      now: new Date(),
      recipients: rcpts,
      originalHeaders: headers,
      willRetryUntil: new Date(row.created + this.ctx.config.delivery.lifetime),
    });
    return sendNotice(row.sender, Buffer.from(dsn), commit, {
      directory: this.ctx.directory,
      store: this.ctx.store,
      spool: this.spool,
      log: (f, m) => this.ctx.log.warn(f, `queue: ${m}`),
    });
  }
}

function dsnRecipient(r: Outcome, action: 'failed' | 'delayed'): DsnRecipient {
  return {
    address: r.rcpt,
    action,
    ...(r.statusCode ? { status: r.statusCode } : {}),
    ...(r.error ? { diagnostic: r.fromRemote ? r.error.replace(/^[^ ]+: /, '') : r.error } : {}),
    fromRemote: r.fromRemote,
    ...(r.remoteMta ? { remoteMta: r.remoteMta } : {}),
  };
}
