/** `mailctl config check|show|describe`. */
import type { Command } from 'commander';
import type { CliContext, Register } from './context.js';

export const register: Register = (program: Command, ctx: CliContext) => {
  const cmd = program.command('config').description('validate, show and document the configuration');

  cmd
    .command('check')
    .description('validate the config: every problem with file:line, key and hint (exit 3 if any)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean }) => {
      const { checkConfig } = await import('../config/check.js');
      const r = checkConfig(ctx.configFile());
      if (o.json) return ctx.io.json({ ok: true, file: r.file, notes: r.notes });
      ctx.io.out(`ok: ${r.file} is valid`);
      for (const n of r.notes) ctx.io.err(`note: ${n}`);
    });

  cmd
    .command('show')
    .description('print the effective config (defaults filled in, secrets masked)')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const config = await ctx.config({ allowMissingDefault: true });
      const { effectiveConfig, showConfig } = await import('../config/show.js');
      if (o.json)
        return ctx.io.json({
          source: config.source ?? null,
          notes: config.notes,
          config: effectiveConfig(config),
        });
      ctx.io.out(showConfig(config));
    });

  cmd
    .command('describe')
    .description(
      'print an annotated sample config generated from the schema (every key, default and meaning)',
    )
    .option('--json', 'print the JSON Schema instead')
    .action(async (o: { json?: boolean }) => {
      const { configJsonSchema, describeConfig } = await import('../config/describe.js');
      if (o.json) return ctx.io.json(configJsonSchema());
      ctx.io.out(describeConfig());
    });
};
