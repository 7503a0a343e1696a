/** `mailctl accounts …`: mailboxes that can log in, with quota, display name and password. */
import type { Command } from 'commander';
import type { Account, Directory } from '../directory/directory.js';
import type { CliContext, Register } from './context.js';

async function run<T>(ctx: CliContext, job: (d: Directory) => Promise<T>): Promise<T> {
  const { withDirectory } = await import('../directory/session.js');
  return withDirectory(await ctx.config(), job);
}

async function quotaOf(text: string | undefined): Promise<number | undefined> {
  if (text === undefined) return undefined;
  const { parseSize } = await import('../proto/units.js');
  const n = parseSize(text);
  if (n === undefined) {
    const { MailctlError } = await import('../errors.js');
    throw new MailctlError('usage', `--quota "${text}" is not a size`, {
      hint: 'write e.g. 2GB, 500MiB, or 0 for unlimited',
    });
  }
  return n;
}

/** "2 GB" when the operator wrote decimal units, else binary ("1.5 GiB"). */
function showQuota(n: number, formatBytes: (n: number) => string): string {
  if (!n) return 'unlimited';
  for (const [u, f] of [
    ['TB', 1e12],
    ['GB', 1e9],
    ['MB', 1e6],
    ['KB', 1e3],
  ] as const) {
    if (n >= f && n % f === 0) return `${n / f} ${u}`;
  }
  return formatBytes(n);
}

async function render(ctx: CliContext, rows: Account[], json?: boolean): Promise<void> {
  if (json) return ctx.io.json(rows);
  const { table } = await import('../ui/output.js');
  const { formatBytes } = await import('../proto/units.js');
  ctx.io.out(
    rows.length === 0
      ? 'no accounts; add one with `mailctl accounts add alice@example.com`'
      : table(rows, [
          { header: 'ADDRESS', value: (r) => r.address },
          { header: 'NAME', value: (r) => r.displayName },
          { header: 'QUOTA', value: (r) => showQuota(r.quota, formatBytes), align: 'right' },
          { header: 'STATE', value: (r) => (r.disabled ? 'disabled' : 'active') },
          { header: 'CREATED', value: (r) => r.createdAt ?? '' },
        ]),
  );
}

export const register: Register = (program: Command, ctx: CliContext) => {
  const cmd = program.command('accounts').description('mail accounts (mailboxes that log in)');

  cmd
    .command('add <address>')
    .description('create an account; the password is prompted (no echo) or read with --password-stdin')
    .option('-n, --name <display name>', 'display name')
    .option('-q, --quota <size>', 'mailbox quota, e.g. 2GB (default: unlimited)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--json', 'print the account as JSON')
    .action(
      async (
        address: string,
        o: { name?: string; quota?: string; passwordStdin?: boolean; json?: boolean },
      ) => {
        const quota = await quotaOf(o.quota);
        const { newPassword } = await import('../ui/secret.js');
        const { precheckNewAccount } = await import('../directory/precheck.js');
        const a = await run(ctx, async (d) => {
          // A typo, a non-local domain or a duplicate is refused before asking for a password.
          await precheckNewAccount(d, address);
          const password = await newPassword(Boolean(o.passwordStdin));
          return d.addAccount({ address, displayName: o.name, quota, password });
        });
        if (o.json) ctx.io.json(a);
        else ctx.io.out(`created ${a.address}`);
      },
    );

  cmd
    .command('list [domain]')
    .description('list accounts, optionally of one domain')
    .option('--json', 'print as JSON')
    .action(async (domain: string | undefined, o: { json?: boolean }) => {
      await render(ctx, await run(ctx, (d) => d.listAccounts(domain)), o.json);
    });

  cmd
    .command('show <address>')
    .description('one account: state, quota, and the addresses it may send as')
    .option('--json', 'print as JSON')
    .action(async (address: string, o: { json?: boolean }) => {
      const info = await run(ctx, async (d) => {
        const a = await d.getAccount(address);
        if (!a) {
          const { MailctlError } = await import('../errors.js');
          throw new MailctlError('not-found', `no account ${address.toLowerCase()}`, {
            hint: 'see `mailctl accounts list`',
          });
        }
        return { ...a, sendAs: await d.sendableAddresses(a.address) };
      });
      if (o.json) return ctx.io.json(info);
      const { formatBytes } = await import('../proto/units.js');
      ctx.io.out(
        [
          `address:  ${info.address}`,
          `name:     ${info.displayName}`,
          `state:    ${info.disabled ? 'disabled' : 'active'}`,
          `quota:    ${showQuota(info.quota, formatBytes)}`,
          `send as:  ${info.sendAs.join(', ')}`,
          `created:  ${info.createdAt ?? ''}`,
        ].join('\n'),
      );
    });

  cmd
    .command('passwd <address>')
    .description('set a new password (--current checks the old one first, for self-service)')
    .option('--current', 'require the current password (stdin line 1 with --password-stdin, new on line 2)')
    .option('--password-stdin', 'read the password(s) from stdin')
    .action(async (address: string, o: { current?: boolean; passwordStdin?: boolean }) => {
      const { newPassword, readStdinLines, promptSecret } = await import('../ui/secret.js');
      let current: string | undefined;
      let next: string;
      if (o.passwordStdin) {
        const lines = await readStdinLines();
        if (o.current) current = lines.shift();
        next = lines[0] ?? '';
        if (!next) {
          const { MailctlError } = await import('../errors.js');
          throw new MailctlError('usage', '--password-stdin: no new password on stdin', {
            hint: o.current ? 'line 1: current password, line 2: new password' : 'write it as the first line',
          });
        }
      } else {
        if (o.current) current = await promptSecret('Current password: ');
        next = await newPassword(false);
      }
      await run(ctx, async (d) => {
        if (current !== undefined) {
          const r = await d.authenticate(address, current);
          if (!r.ok && r.reason !== 'disabled') {
            const { MailctlError } = await import('../errors.js');
            throw new MailctlError(
              r.reason === 'unknown-user' ? 'not-found' : 'auth-failed',
              r.reason === 'unknown-user'
                ? `no account ${address.toLowerCase()}`
                : 'the current password is wrong',
              { where: address.toLowerCase(), hint: 'nothing was changed; try again' },
            );
          }
        }
        await d.setPassword(address, next);
      });
      ctx.io.out(`password changed for ${address.toLowerCase()}`);
    });

  for (const [name, disabled, what] of [
    ['disable', true, 'refuse logins (mail is still accepted)'],
    ['enable', false, 'allow logins again'],
  ] as const) {
    cmd
      .command(`${name} <address>`)
      .description(what)
      .action(async (address: string) => {
        await run(ctx, (d) => d.setDisabled(address, disabled));
        ctx.io.out(`${name}d ${address.toLowerCase()}`);
      });
  }

  cmd
    .command('quota <address> <size>')
    .description('change the quota (e.g. 5GB; 0 = unlimited)')
    .action(async (address: string, size: string) => {
      const q = (await quotaOf(size)) ?? 0;
      await run(ctx, (d) => d.setQuota(address, q));
      ctx.io.out(`quota of ${address.toLowerCase()} set to ${size}`);
    });

  cmd
    .command('remove <address>')
    .description('delete the account (its Maildir is left on disk)')
    .action(async (address: string) => {
      await run(ctx, (d) => d.removeAccount(address));
      ctx.io.out(
        `removed ${address.toLowerCase()} (the mail files stay under data_dir; delete them yourself)`,
      );
    });

  cmd
    .command('import <file>')
    .description('import a CSV (address,password,name,quota) or a Dovecot passwd-file; safe to re-run')
    .option('--format <format>', 'csv or passwd (default: from the file name and content)')
    .option('--domain <domain>', 'domain for passwd-file users written without one')
    .option('--create-domains', 'add domains that are not local yet instead of refusing their lines')
    .option('--json', 'print the per-line report as JSON')
    .action(
      async (
        file: string,
        o: { format?: string; domain?: string; createDomains?: boolean; json?: boolean },
      ) => {
        const { importAccounts } = await import('./accounts-import.js');
        await importAccounts(ctx, file, o);
      },
    );
};
