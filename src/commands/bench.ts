/**
 * `mailctl bench smtp|imap --target host:port …`: load-test one running server, report
 * throughput, latency percentiles, errors and (when local) the server's CPU and memory;
 * `--profile FILE` writes the calibration that `mailctl size --profile` reads.
 * Exit 0 when every operation succeeded, 1 when some failed, 4 when the target is down.
 */
import type { Command } from 'commander';
import type { CliContext, Register } from './context.js';

type Section = import('../bench/report.js').Section;

async function render(ctx: CliContext, sections: Section[]): Promise<void> {
  const { paint, table } = await import('../ui/output.js');
  const out: string[] = [];
  for (const s of sections) {
    out.push(paint(ctx.io, 'bold', s.title));
    if (s.headers && s.rows) {
      out.push(
        table(
          s.rows,
          s.headers.map((h, i) => ({
            header: h,
            value: (r: string[]) => r[i],
            align: i === 0 ? 'left' : 'right',
          })),
        ),
      );
    }
    if (s.lines) out.push(...s.lines);
    out.push('');
  }
  ctx.io.out(out.join('\n').trimEnd());
}

function commonOptions(c: Command): Command {
  return c
    .requiredOption('--target <host:port>', 'the server to load (the only host bench talks to)')
    .option('--tls', 'implicit TLS (ports 465, 993)')
    .option('--starttls', 'STARTTLS after connecting')
    .option('--insecure', 'do not verify the server certificate')
    .option('--ca <file>', 'trust this CA (PEM) for the server certificate')
    .option('--pid <pid>', 'server process for CPU/RSS (default: the local process listening on the port)')
    .option(
      '--fsync-dir <dir>',
      "measure fsync latency here (default: the server's working directory, else the temp dir)",
    )
    .option('--profile <file>', 'write (merge) a calibration profile for `mailctl size --profile`')
    .option('--json', 'print the results as JSON');
}

export const register: Register = (program, ctx) => {
  const bench = program
    .command('bench')
    .description('load-test a running mail server (SMTP or IMAP) and calibrate `mailctl size`');
  commonOptions(
    bench
      .command('smtp')
      .description('N connections send M messages of size S (MAIL/RCPT/DATA), bounded by count and time')
      .option('--connections <n>', 'concurrent connections', '10')
      .option('--messages <n>', 'messages in total (e.g. 10000, 10k)', '1000')
      .option(
        '--size <size[,size…]>',
        'message size; a list runs once per size (two sizes calibrate CPU per KiB)',
        '10KB',
      )
      .option('--duration <time>', 'stop after this long even if messages remain', '10m')
      .option('--auth <user:pass>', 'AUTH PLAIN after EHLO (needs --tls or --starttls on most servers)')
      .option('--from <address>', 'envelope sender', 'bench@mailctl.invalid')
      .option(
        '--to <address>',
        'envelope recipient (must be accepted by the target)',
        'postmaster@localhost',
      ),
  ).action(async (opts) => {
    const [{ smtpOptions }, { runSmtp }, report] = await Promise.all([
      import('../bench/options.js'),
      import('../bench/run.js'),
      import('../bench/report.js'),
    ]);
    const r = await runSmtp(smtpOptions(opts));
    if (opts.json) ctx.io.json(r);
    else await render(ctx, report.smtpSections(r));
    if (report.hadErrors(r)) process.exitCode = 1;
  });
  commonOptions(
    bench
      .command('imap')
      .description(
        'simulated users log in, select, fetch headers and bodies, set flags and IDLE, for a duration',
      )
      .option('--users <n>', 'simulated users (concurrent connections)', '10')
      .option('--duration <time>', 'how long the users work', '60s')
      .option(
        '--auth <user:pass>',
        'account to log in as (repeat for several; users cycle through them)',
        (v: string, acc: string[] = []) => [...acc, v],
      )
      .option('--seed <n>', 'APPEND n messages to each account first', '0')
      .option('--seed-size <size>', 'size of seeded messages', '10KB')
      .option('--think <time>', "pause between a user's operations", '0')
      .option('--idle <time>', 'how long each IDLE lasts', '200ms'),
  ).action(async (opts) => {
    const [{ imapOptions }, { runImap }, report] = await Promise.all([
      import('../bench/options.js'),
      import('../bench/run.js'),
      import('../bench/report.js'),
    ]);
    const r = await runImap(imapOptions(opts));
    if (opts.json) ctx.io.json(r);
    else await render(ctx, report.imapSections(r));
    if (report.hadErrors(r)) process.exitCode = 1;
  });
};
