/** The shape of one policy check. A new check is one file in ./checks exporting `check`. */
import type { Config } from '../../../config/load.js';
import type { PolicyContext, SmtpListener } from './context.js';
import type { Stage, Verdict } from './verdict.js';

export interface Check {
  /** Stable name, used in logs, metrics and config. */
  readonly name: string;
  readonly stage: Stage;
  /** Lower runs first within a stage. */
  readonly order: number;
  /** Per-check time limit in ms (default 10 s); past it the stage fails closed with 451 4.3.0. */
  readonly timeoutMs?: number;
  /** Whether the check runs on this listener with this config (default: always). */
  enabled?(config: Config, listener: SmtpListener): boolean;
  run(ctx: PolicyContext): Promise<Verdict> | Verdict;
}
