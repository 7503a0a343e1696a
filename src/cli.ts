/**
 * The commander program. Command files are small and import their library code lazily
 * inside the action, so `mailctl --help` loads almost nothing. This is the one place that
 * turns errors into exit codes.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CliContext, Register } from './commands/context.js';
import { registry } from './commands/registry.js';
import { BugError, ExitCode, isMailctlError, type MailctlError, ProblemsError } from './errors.js';
import { type Output, paint, stdio } from './ui/output.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(io: Output): Command {
  const program = new Command('mailctl')
    .description("a company mail server's whole life in one binary: size, serve, migrate, audit, bench")
    .version(version(), '-V, --version')
    .option('-c, --config <file>', 'config file (default: $MAILCTL_CONFIG or ./mailctl.toml)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const ctx: CliContext = {
    io,
    configFile: () => program.opts<{ config?: string }>().config,
    async config(opts = {}) {
      const { loadConfig } = await import('./config/load.js');
      return loadConfig({ file: ctx.configFile(), ...opts });
    },
  };
  for (const register of registry as Register[]) register(program, ctx);
  return program;
}

function wantsJson(argv: string[]): boolean {
  return argv.includes('--json');
}

export function renderError(io: Output, e: MailctlError, json: boolean): void {
  if (json) {
    io.json({ error: e.toJSON() });
    return;
  }
  io.err(`${paint(io, 'red', 'error:')} ${e.message}${e.where ? `\n  where: ${e.where}` : ''}`);
  if (e instanceof ProblemsError) {
    for (const p of e.problems) {
      io.err(
        `  ${p.where}${p.path ? ` ${p.path}` : ''}: ${p.message}${p.hint ? `\n      hint: ${p.hint}` : ''}`,
      );
    }
  }
  if (e.hint) io.err(`  hint: ${e.hint}`);
}

export async function main(argv: string[]): Promise<number> {
  const io = stdio();
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return ExitCode.ok;
      }
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const err = isMailctlError(e) ? e : new BugError(e instanceof Error ? e.message : String(e), e);
    renderError(io, err, wantsJson(argv));
    if (err instanceof BugError && e instanceof Error && e.stack) io.err(paint(io, 'dim', e.stack));
    return err.exitCode;
  }
}
