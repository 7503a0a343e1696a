/**
 * Turns operator text (`--message-size 80KB`, `--retention 3y`, `--spam-share 46%`) into
 * Assumptions: every problem reported at once with a hint, implausible values as warnings.
 */
import { type Problem, ProblemsError } from '../errors.js';
import { parseCount, parseDuration, parseRatio, parseSize } from '../proto/units.js';
import {
  type AssumptionDef,
  type AssumptionKey,
  type Assumptions,
  defaults,
  definitions,
} from './assumptions.js';

export type RawInputs = Partial<Record<AssumptionKey, string | number | boolean>>;

const YEAR_MS = 365 * 86_400_000;
const DAY_MS = 86_400_000;

function hintFor(d: AssumptionDef): string {
  switch (d.kind) {
    case 'size':
      return 'a size such as 80KB, 75KiB, 2GiB (KB = 1000 bytes, KiB = 1024)';
    case 'years':
      return 'a duration such as 3y, 18 months as 1.5y, or 90d';
    case 'days':
      return 'a duration such as 30d, 2w, 1y';
    case 'ratio':
      return 'a share such as 46% or 0.46';
    case 'count':
      return 'a whole number such as 500 or 10k';
    case 'bool':
      return 'true or false';
    default:
      return 'a number such as 2 or 0.5';
  }
}

function parseOne(d: AssumptionDef, v: string | number | boolean): number | boolean | undefined {
  if (d.kind === 'bool') {
    if (typeof v === 'boolean') return v;
    if (/^(true|yes|on|1)$/i.test(String(v))) return true;
    if (/^(false|no|off|0)$/i.test(String(v))) return false;
    return undefined;
  }
  if (typeof v === 'boolean') return undefined;
  const text = String(v).trim();
  const negative = /^-/.test(text);
  if (negative) return Number.NaN; // reported as out of range, not as a unit problem
  switch (d.kind) {
    case 'size':
      return parseSize(text);
    case 'years': {
      if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
      const ms = parseDuration(text);
      return ms === undefined ? undefined : ms / YEAR_MS;
    }
    case 'days': {
      if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
      const ms = parseDuration(text);
      return ms === undefined ? undefined : ms / DAY_MS;
    }
    case 'ratio':
      return parseRatio(text);
    case 'count':
      return parseCount(text);
    default:
      return /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  }
}

export interface ParsedInputs {
  assumptions: Assumptions;
  /** Keys the operator set (so the report can mark them "given"). */
  given: AssumptionKey[];
  warnings: string[];
}

export function parseInputs(raw: RawInputs): ParsedInputs {
  const a: Record<string, number | boolean> = { ...defaults() };
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const given: AssumptionKey[] = [];
  for (const d of definitions) {
    const v = raw[d.key];
    if (v === undefined) continue;
    const parsed = parseOne(d, v);
    const where = `--${d.flag} ${String(v)}`;
    if (parsed === undefined) {
      problems.push({
        where,
        message: `not understood as ${d.kind === 'size' ? 'a size' : `a ${d.kind} value`}`,
        hint: hintFor(d),
      });
      continue;
    }
    if (typeof parsed === 'number') {
      if (
        Number.isNaN(parsed) ||
        (d.min !== undefined && parsed < d.min) ||
        (d.max !== undefined && parsed > d.max)
      ) {
        problems.push({
          where,
          message: `${d.label} must be between ${d.min ?? 0} and ${d.max ?? '∞'}${d.kind === 'size' ? ' bytes' : ''}`,
          hint: d.key === 'users' ? 'give the number of mailboxes, e.g. --users 500' : hintFor(d),
        });
        continue;
      }
      if (d.plausible && (parsed < d.plausible[0] || parsed > d.plausible[1])) {
        warnings.push(
          `${d.label} = ${String(v)} is outside the usual ${d.plausible[0]}–${d.plausible[1]}${d.kind === 'size' ? ' bytes' : ''}: check it`,
        );
      }
    }
    a[d.key] = parsed;
    given.push(d.key);
  }
  if (raw.users === undefined) {
    problems.push({
      where: '--users',
      message: 'the number of users is required',
      hint: 'e.g. mailctl size --users 500',
    });
  }
  if (problems.length > 0) {
    throw new ProblemsError(
      'invalid-input',
      `${problems.length} sizing input${problems.length > 1 ? 's are' : ' is'} not usable`,
      problems,
    );
  }
  const out = a as unknown as Assumptions;
  if (out.receivedPerDay + out.sentPerDay === 0)
    warnings.push('no mail received or sent: storage and load are zero');
  return { assumptions: out, given, warnings };
}
