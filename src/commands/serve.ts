/**
 * `mailctl serve`: runs the mail daemon in the foreground until SIGTERM/SIGINT (graceful:
 * stop accepting, let transactions finish), SIGHUP reloads the config and certificate.
 */
import type { Command } from 'commander';
import type { CliContext, Register } from './context.js';

interface ServeOptions {
  only?: string;
  json?: boolean;
  stopTimeout: string;
}

export const register: Register = (program: Command, ctx: CliContext) => {
  program
    .command('serve')
    .description(
      'run the mail daemon (SMTP MX and submission, IMAP, POP3, queue, /metrics) in the foreground',
    )
    .option('--only <services>', 'start only these services, comma-separated (e.g. smtp,http)')
    .option('--stop-timeout <seconds>', 'on SIGTERM, how long transactions may take to finish', '10')
    .option('--json', 'print the listening addresses as JSON')
    .action(async (o: ServeOptions) => {
      // Old space in 50 % steps, the young generation left to V8. A 32 MB young cap (in force
      // once the writer thread stopped resetting it) cost 15–19 % of the SMTP rate: 3 rounds,
      // 20,000 messages, c=20 / c=100: 726 / 754 msg/s against 854 / 933 for the build before
      // (a043035), which ran like this by accident; like this: 810 / 784 against 725 / 814 in
      // one round, peak RSS 163 / 178 MB. No setting at all: 241–268 MB, over the 250 budget.
      (await import('../heap.js')).keepHeapSmall({ growPercent: 50 });
      const config = await ctx.config({ allowMissingDefault: true });
      const { Daemon } = await import('../server/daemon.js');
      const only = o.only
        ? o.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
      const deadline = Math.max(0, Number(o.stopTimeout) || 0) * 1000;
      // Signals are caught from the start: a SIGTERM that arrives while services are still
      // starting (ports may already be bound) stops the daemon as soon as it is up.
      let signalled: string | undefined;
      let wake: (() => void) | undefined;
      const onSignal = (signal: string) => {
        if (signalled) return;
        signalled = signal;
        wake?.();
      };
      const term = () => onSignal('SIGTERM');
      const int = () => onSignal('SIGINT');
      process.on('SIGTERM', term);
      process.on('SIGINT', int);
      let daemon: Awaited<ReturnType<typeof Daemon.start>>;
      try {
        daemon = await Daemon.start(config, { only, dropPrivileges: true });
      } catch (e) {
        process.removeListener('SIGTERM', term);
        process.removeListener('SIGINT', int);
        throw e;
      }
      const hup = () => {
        ctx.io.err('SIGHUP: reloading config and certificate');
        void daemon.reload();
      };
      process.on('SIGHUP', hup);
      const addrs = daemon.addresses();
      if (o.json) {
        ctx.io.json({ pid: process.pid, config: config.source ?? null, listening: addrs });
      } else {
        ctx.io.out(`mailctl serving (pid ${process.pid}, config ${config.source ?? 'built-in defaults'})`);
        for (const a of addrs) ctx.io.out(`  ${a.listener.padEnd(12)} ${a.host}:${a.port}`);
      }
      if (!signalled) await new Promise<void>((resolve) => (wake = resolve));
      ctx.io.err(`${signalled}: stopping (up to ${deadline / 1000}s for open transactions)`);
      try {
        await daemon.stop(deadline);
      } finally {
        process.removeListener('SIGHUP', hup);
        process.removeListener('SIGTERM', term);
        process.removeListener('SIGINT', int);
      }
    });
};
