/** The "queue" service: the runner that delivers from the spool the daemon opened. */
import { BugError } from '../../errors.js';
import type { ServiceFactory } from '../service.js';
import { QueueRunner } from './runner.js';
import { Spool } from './spool.js';

export const createQueueService: ServiceFactory = async (ctx) => {
  if (!(ctx.queue instanceof Spool)) throw new BugError('the queue runner needs the spool from openQueue()');
  return [new QueueRunner(ctx, ctx.queue).start()];
};
