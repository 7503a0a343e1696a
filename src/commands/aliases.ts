/** `mailctl aliases add|list|remove`: addresses that forward to accounts or outside, and catch-alls. */
import type { Command } from 'commander';
import type { Directory } from '../directory/directory.js';
import type { CliContext, Register } from './context.js';

async function run<T>(ctx: CliContext, job: (d: Directory) => Promise<T>): Promise<T> {
  const { withDirectory } = await import('../directory/session.js');
  return withDirectory(await ctx.config(), job);
}

export const register: Register = (program: Command, ctx: CliContext) => {
  const cmd = program
    .command('aliases')
    .description('aliases: an address delivered to one or more others; "@domain" is the catch-all');

  cmd
    .command('add <alias> <targets...>')
    .description(
      'point an alias (or "@example.com" catch-all) at local or external addresses; adds to existing targets',
    )
    .option('--json', 'print the alias as JSON')
    .action(async (alias: string, targets: string[], o: { json?: boolean }) => {
      const a = await run(ctx, (d) => d.addAlias(alias, targets));
      if (o.json) ctx.io.json(a);
      else ctx.io.out(`${a.address} → ${a.targets.join(', ')}`);
    });

  cmd
    .command('list [domain]')
    .description('list aliases, optionally of one domain')
    .option('--json', 'print as JSON')
    .action(async (domain: string | undefined, o: { json?: boolean }) => {
      const rows = await run(ctx, (d) => d.listAliases(domain));
      if (o.json) return ctx.io.json(rows);
      const { table } = await import('../ui/output.js');
      ctx.io.out(
        rows.length === 0
          ? 'no aliases; add one with `mailctl aliases add sales@example.com alice@example.com`'
          : table(rows, [
              {
                header: 'ALIAS',
                value: (r) => (r.address.startsWith('@') ? `${r.address} (catch-all)` : r.address),
              },
              { header: 'TARGETS', value: (r) => r.targets.join(', ') },
            ]),
      );
    });

  cmd
    .command('remove <alias> [target]')
    .description('remove an alias, or only one of its targets')
    .action(async (alias: string, target: string | undefined) => {
      await run(ctx, (d) => d.removeAlias(alias, target));
      ctx.io.out(target ? `removed ${target} from ${alias}` : `removed alias ${alias}`);
    });
};
