/** Every service the daemon starts, in start order. Each part of the daemon adds its factory here. */
import type { ServiceFactory } from './service.js';

export const serviceFactories: { name: string; load: () => Promise<ServiceFactory> }[] = [
  { name: 'smtp', load: async () => (await import('./smtp/service.js')).createSmtpService },
  { name: 'imap', load: async () => (await import('./imap/service.js')).imapService },
  { name: 'pop3', load: async () => (await import('./pop3/service.js')).pop3Service },
  { name: 'http', load: async () => (await import('./observe/http.js')).createHttpService },
  { name: 'queue', load: async () => (await import('./queue/service.js')).createQueueService },
];
