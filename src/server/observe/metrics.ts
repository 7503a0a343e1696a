/**
 * Prometheus metrics, fed from the daemon's event bus so that services never import
 * prom-client. Names follow the reasons the policy pipeline gives, so a log line, a header
 * and a metric say the same thing.
 */
import type { EventEmitter } from 'node:events';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  detach(): void;
}

export function createMetrics(events: EventEmitter): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mailctl_' });
  const c = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const connections = c('mailctl_smtp_connections_total', 'SMTP connections accepted', ['listener']);
  const messages = c('mailctl_smtp_messages_total', 'messages accepted', ['listener']);
  const bytes = c('mailctl_smtp_message_bytes_total', 'bytes of accepted messages', ['listener']);
  const policy = c('mailctl_smtp_policy_total', 'policy decisions by stage, outcome and reason', [
    'stage',
    'outcome',
    'reason',
  ]);
  const policyErrors = c('mailctl_smtp_policy_errors_total', 'policy checks that threw or timed out', [
    'check',
  ]);
  const authFailures = c('mailctl_auth_failures_total', 'failed authentications', ['listener']);
  const errors = c('mailctl_smtp_internal_errors_total', 'SMTP hook failures answered with 451', ['hook']);
  const queued = c('mailctl_queue_enqueued_total', 'messages written to the outbound queue', []);
  const attempts = c(
    'mailctl_queue_recipient_attempts_total',
    'outbound delivery attempts per recipient by result',
    ['status'],
  );

  const handlers: [string, (e: Record<string, unknown>) => void][] = [
    ['connection', (e) => connections.inc({ listener: String(e.listener) })],
    [
      'message',
      (e) => {
        messages.inc({ listener: String(e.listener) });
        bytes.inc({ listener: String(e.listener) }, Number(e.size) || 0);
      },
    ],
    [
      'policy',
      (e) => {
        if (e.outcome !== 'accept' || e.stage === 'rcpt')
          policy.inc({ stage: String(e.stage), outcome: String(e.outcome), reason: String(e.reason) });
      },
    ],
    ['policy-error', (e) => policyErrors.inc({ check: String(e.check) })],
    ['auth-failure', (e) => authFailures.inc({ listener: String(e.listener) })],
    ['smtp-error', (e) => errors.inc({ hook: String(e.hook) })],
    ['queue-enqueued', () => queued.inc()],
    ['queue-attempt', (e) => attempts.inc({ status: String(e.status) })],
  ];
  for (const [name, fn] of handlers) events.on(name, fn);
  return {
    registry,
    detach() {
      for (const [name, fn] of handlers) events.removeListener(name, fn);
    },
  };
}
