/** What every command gets: output channels and the global options. */
import type { Command } from 'commander';
import type { Config, LoadOptions } from '../config/load.js';
import type { Output } from '../ui/output.js';

export interface CliContext {
  io: Output;
  /** Loads the config named by --config / MAILCTL_CONFIG / ./mailctl.toml (lazily). */
  config(opts?: Pick<LoadOptions, 'allowMissingDefault'>): Promise<Config>;
  /** Path given by --config, if any. */
  configFile(): string | undefined;
}

export type Register = (program: Command, ctx: CliContext) => void;
