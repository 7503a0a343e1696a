/** `mailctl domains add|list|remove`: the mail domains this server is final destination for. */
import type { Command } from 'commander';
import type { Directory } from '../directory/directory.js';
import type { CliContext, Register } from './context.js';

async function run<T>(ctx: CliContext, job: (d: Directory) => Promise<T>): Promise<T> {
  const { withDirectory } = await import('../directory/session.js');
  return withDirectory(await ctx.config(), job);
}

export const register: Register = (program: Command, ctx: CliContext) => {
  const cmd = program
    .command('domains')
    .description('local mail domains (the directory decides what is local)');

  cmd
    .command('add <domain>')
    .description('make a domain local: mail for it is delivered here')
    .option('--json', 'print the result as JSON')
    .action(async (domain: string, o: { json?: boolean }) => {
      const d = await run(ctx, (dir) => dir.addDomain(domain));
      if (o.json) ctx.io.json(d);
      else ctx.io.out(`added domain ${d.name}`);
    });

  cmd
    .command('list')
    .description('list local domains')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await run(ctx, async (dir) => {
        const domains = await dir.listDomains();
        const accounts = await dir.listAccounts();
        const aliases = await dir.listAliases();
        return domains.map((d) => ({
          ...d,
          accounts: accounts.filter((a) => a.address.endsWith(`@${d.name}`)).length,
          aliases: aliases.filter((a) => a.address.endsWith(`@${d.name}`)).length,
        }));
      });
      if (o.json) return ctx.io.json(rows);
      const { table } = await import('../ui/output.js');
      ctx.io.out(
        rows.length === 0
          ? 'no domains yet; add one with `mailctl domains add example.com`'
          : table(rows, [
              { header: 'DOMAIN', value: (r) => r.name },
              { header: 'ACCOUNTS', value: (r) => r.accounts, align: 'right' },
              { header: 'ALIASES', value: (r) => r.aliases, align: 'right' },
              { header: 'CREATED', value: (r) => r.createdAt },
            ]),
      );
    });

  cmd
    .command('remove <domain>')
    .description('stop being the destination for a domain (it must have no accounts or aliases left)')
    .option('--json', 'print the result as JSON')
    .action(async (domain: string, o: { json?: boolean }) => {
      await run(ctx, (dir) => dir.removeDomain(domain));
      if (o.json) ctx.io.json({ removed: domain.toLowerCase() });
      else ctx.io.out(`removed domain ${domain.toLowerCase()}`);
    });
};
