/**
 * `config show`: the effective config — file values with every default filled in, listener
 * fallbacks resolved, paths absolute — as TOML that could be fed back, secrets masked.
 */

import { configJsonSchema, isTable, type JsonSchema } from './describe.js';
import type { Config } from './load.js';
import { msText, tomlKey, tomlValue } from './toml-value.js';

const SECRET_KEY = /(password|secret|token|passphrase)$/i;
export const MASK = '********';

/** A copy of the effective config as plain data, secrets replaced by a mask. */
export function effectiveConfig(config: Config): Record<string, unknown> {
  const { source: _s, baseDir: _b, notes: _n, ...rest } = config;
  return mask(rest) as Record<string, unknown>;
}

function mask(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => mask(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x, k)]));
  }
  if (typeof v === 'string' && v !== '' && SECRET_KEY.test(key)) return MASK;
  return v;
}

function render(path: string[], schema: JsonSchema, value: Record<string, unknown>): string[] {
  const out: string[] = [];
  const props = schema.properties ?? {};
  if (path.length) out.push('', `[${path.map(tomlKey).join('.')}]`);
  const tables: [string, JsonSchema, Record<string, unknown>][] = [];
  for (const [k, v] of Object.entries(value)) {
    const s = props[k] ?? {};
    if (v === undefined) continue;
    if (isTable(s) && v && typeof v === 'object' && !Array.isArray(v)) {
      tables.push([k, s, v as Record<string, unknown>]);
      continue;
    }
    const text = s.unit === 'ms' && typeof v === 'number' ? tomlValue(msText(v)) : tomlValue(v);
    const note = s.unit === 'bytes' && typeof v === 'number' ? '  # bytes' : '';
    out.push(`${tomlKey(k)} = ${text}${note}`);
  }
  for (const [k, s, v] of tables) out.push(...render([...path, k], s, v));
  return out;
}

export function showConfig(config: Config): string {
  const head = [`# effective config from ${config.source ?? 'built-in defaults (no file)'}`];
  for (const n of config.notes) head.push(`# note: ${n}`);
  return [...head, ...render([], configJsonSchema(), effectiveConfig(config)), ''].join('\n');
}
