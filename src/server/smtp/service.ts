/** The "smtp" service: the MX, submission and submissions listeners that are configured (non-empty). */
import type { Config } from '../../config/load.js';
import type { DaemonContext, Service, ServiceFactory } from '../service.js';
import { type SmtpListenerHandle, startListener } from './listener.js';
import type { SmtpListener } from './policy/context.js';
import { loadChecks, Pipeline } from './policy/pipeline.js';

const roles: SmtpListener[] = ['smtp', 'submission', 'submissions'];

export const createSmtpService: ServiceFactory = async (ctx: DaemonContext): Promise<Service[]> => {
  const checks = await loadChecks();
  const pipelines = new Map<SmtpListener, Pipeline>();
  const build = (config: Config) => {
    for (const r of roles) pipelines.set(r, new Pipeline(checks, r, config));
  };
  build(ctx.config);
  const handles: SmtpListenerHandle[] = [];
  try {
    for (const role of roles) {
      if (!ctx.config.listen[role]) continue;
      handles.push(await startListener(ctx, role, () => pipelines.get(role) as Pipeline));
    }
  } catch (e) {
    await Promise.allSettled(handles.map((h) => h.close(0)));
    throw e;
  }
  const service: Service = {
    name: 'smtp',
    addresses: () => handles.map((h) => h.address()),
    async stop(deadlineMs) {
      await Promise.allSettled(handles.map((h) => h.close(deadlineMs)));
    },
    async reload(config) {
      build(config);
      for (const h of handles) h.reload();
    },
  };
  return [service];
};

export default createSmtpService;
