/** The "queue" service: the runner that delivers from the spool the daemon opened. */
import { BugError } from '../../errors.js';
import type { ServiceFactory } from '../service.js';
import { type AttemptedEvent, QueueRunner } from './runner.js';
import { Spool } from './spool.js';

export const createQueueService: ServiceFactory = async (ctx) => {
  if (!(ctx.queue instanceof Spool)) throw new BugError('the queue runner needs the spool from openQueue()');
  const spool = ctx.queue;
  // The spool's own events become daemon events, so /metrics (and later alerting) see the queue.
  const onEnqueued = () => ctx.events.emit('queue-enqueued', {});
  const onAttempted = (e: AttemptedEvent) => {
    for (const r of e.results) ctx.events.emit('queue-attempt', { status: r.status });
  };
  spool.on('enqueued', onEnqueued);
  spool.on('attempted', onAttempted);
  const runner = new QueueRunner(ctx, spool).start();
  return [
    {
      name: runner.name,
      addresses: () => runner.addresses(),
      reload: (config) => runner.reload(config),
      async stop(deadlineMs) {
        await runner.stop(deadlineMs);
        spool.off('enqueued', onEnqueued);
        spool.off('attempted', onAttempted);
      },
    },
  ];
};
