/** `mailctl queue list|show|retry|delete|hold|release`: the outbound spool on disk (works with or without the daemon). */
import type { Command } from 'commander';
import type { QueuedMessage } from '../server/queue/queue.js';
import type { CliContext, Register } from './context.js';

function state(q: QueuedMessage): string {
  if (q.held) return 'held';
  if (q.recipients.some((r) => r.status === 'deferred')) return 'deferred';
  return q.attempts === 0 ? 'new' : 'pending';
}

async function units() {
  return import('../proto/units.js');
}

export const register: Register = (program: Command, ctx: CliContext) => {
  const cmd = program.command('queue').description('inspect, retry, delete, hold and release outbound mail');
  const admin = () => import('../server/queue/admin.js');

  cmd
    .command('list')
    .description('every queued message: age, size, sender, recipients, state, next attempt, last error')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await (await admin()).listQueue(await ctx.config());
      if (o.json) return ctx.io.json(rows);
      if (rows.length === 0) return ctx.io.out('the outbound queue is empty');
      const { table } = await import('../ui/output.js');
      const { formatBytes, formatDuration } = await units();
      const now = Date.now();
      const open = (q: QueuedMessage) =>
        q.recipients.filter((r) => r.status === 'pending' || r.status === 'deferred');
      ctx.io.out(
        table(rows, [
          { header: 'ID', value: (q) => q.id },
          { header: 'AGE', value: (q) => formatDuration(now - q.createdAt.getTime()), align: 'right' },
          { header: 'SIZE', value: (q) => formatBytes(q.size), align: 'right' },
          { header: 'SENDER', value: (q) => (q.sender === '' ? '<>' : q.sender) },
          {
            header: 'RECIPIENTS',
            value: (q) =>
              `${open(q)[0]?.address ?? '-'}${open(q).length > 1 ? ` (+${open(q).length - 1})` : ''}`,
          },
          { header: 'STATE', value: state },
          {
            header: 'NEXT',
            value: (q) =>
              q.held || !q.nextAttemptAt
                ? '-'
                : q.nextAttemptAt.getTime() <= now
                  ? 'now'
                  : `in ${formatDuration(q.nextAttemptAt.getTime() - now)}`,
          },
          { header: 'LAST ERROR', value: (q) => (q.lastError ?? '').slice(0, 60) },
        ]),
      );
      ctx.io.err(
        `${rows.length} message${rows.length === 1 ? '' : 's'}, ${formatBytes(rows.reduce((a, q) => a + q.size, 0))}`,
      );
    });

  cmd
    .command('show <id>')
    .description('one message: envelope, per-recipient status and errors, headers')
    .option('--body', 'print the whole stored message instead')
    .option('--json', 'print as JSON')
    .action(async (id: string, o: { json?: boolean; body?: boolean }) => {
      const a = await admin();
      const config = await ctx.config();
      if (o.body) {
        const bytes = await a.readQueued(config, id);
        if (o.json) ctx.io.json({ id, message: bytes.toString('utf8') });
        else process.stdout.write(bytes);
        return;
      }
      const q = await a.showQueued(config, id);
      if (o.json) return ctx.io.json(q);
      const { formatBytes } = await units();
      const lines = [
        `id:        ${q.id}`,
        `sender:    ${q.sender === '' ? '<> (a bounce)' : q.sender}`,
        `size:      ${formatBytes(q.size)}`,
        `queued:    ${q.createdAt.toISOString()}${q.sessionId ? ` (session ${q.sessionId})` : ''}${q.authUser ? ` by ${q.authUser}` : ''}`,
        `state:     ${state(q)}, ${q.attempts} attempt${q.attempts === 1 ? '' : 's'}${q.nextAttemptAt && !q.held ? `, next ${q.nextAttemptAt.toISOString()}` : ''}`,
        'recipients:',
        ...q.recipients.map((r) => `  ${r.address}  ${r.status}${r.lastError ? `  ${r.lastError}` : ''}`),
        '',
        q.headers.trimEnd(),
      ];
      ctx.io.out(lines.join('\n'));
    });

  const action = (
    name: 'retry' | 'delete' | 'hold' | 'release',
    args: string,
    description: string,
    done: string,
  ) =>
    cmd
      .command(`${name} ${args}`)
      .description(description)
      .option('--json', 'print the result as JSON')
      .action(async (id: string | undefined, o: { json?: boolean }) => {
        const n = await (await admin()).actOnQueue(await ctx.config(), name, id);
        if (o.json) return ctx.io.json({ action: name, id: id ?? null, messages: n });
        ctx.io.out(`${done} ${id ?? `${n} message${n === 1 ? '' : 's'}`}`);
      });

  action(
    'retry',
    '[id]',
    'make one message (or every one not held) due now; the daemon picks it up within a second',
    'due now:',
  );
  action('delete', '<id>', 'remove a message from the queue without delivering or bouncing it', 'deleted');
  action('hold', '<id>', 'keep a message in the queue without delivering it until released', 'held');
  action('release', '<id>', 'let a held message be delivered (due now)', 'released');
};
