/** `config check`: every problem at once — TOML syntax, schema, cross-field rules, referenced files. */
import { accessSync, constants, readFileSync } from 'node:fs';
import { type Problem, ProblemsError } from '../errors.js';
import { type Config, checkSemantics, configPath, loadConfig } from './load.js';
import { keyLines, lineFor } from './locate.js';

export interface CheckResult {
  file: string;
  config: Config;
  notes: string[];
}

/** Throws ProblemsError (exit 3) listing every problem; returns the config when there are none. */
export function checkConfig(file?: string): CheckResult {
  let config: Config;
  try {
    config = loadConfig({ file }); // syntax and schema problems are thrown here, all at once
  } catch (e) {
    if (e instanceof ProblemsError) placeUnknownKeys(e.problems, configPath(file).path);
    throw e;
  }
  const path = config.source ?? configPath(file).path;
  const problems = [...checkSemantics(config), ...checkFiles(config)];
  if (problems.length) {
    const lines = keyLines(readFileSync(path, 'utf8'));
    for (const p of problems) {
      if (p.path && !/:\d+$/.test(p.where)) {
        const line = lineFor(lines, p.path.split('.'));
        p.where = line ? `${path}:${line}` : path;
      }
    }
    throw new ProblemsError(
      'config',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the config`,
      problems,
    );
  }
  return { file: path, config, notes: config.notes };
}

/** zod reports unknown keys at their parent; point at the line of the key itself. */
function placeUnknownKeys(problems: Problem[], path: string): void {
  let lines: Map<string, number> | undefined;
  for (const p of problems) {
    const m = /^Unrecognized keys?: "([^"]+)"/.exec(p.message);
    if (!m) continue;
    try {
      lines ??= keyLines(readFileSync(path, 'utf8'));
    } catch {
      return;
    }
    const parent = p.path && p.path !== '(top level)' ? p.path.split('.') : [];
    const line = lines.get([...parent, m[1]].join('.'));
    if (line) p.where = `${path}:${line}`;
  }
}

function readable(p: string): boolean {
  try {
    accessSync(p, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Files the daemon will need: the TLS pair (if any TLS-capable listener is on) and the DKIM key. */
function checkFiles(config: Config): Problem[] {
  const where = config.source ?? '(defaults)';
  const problems: Problem[] = [];
  const mailListeners = Object.entries(config.listen).filter(
    ([k, v]) => k !== 'http' && k !== 'proxy_protocol' && v !== '',
  );
  if (mailListeners.length) {
    for (const key of ['cert', 'key'] as const) {
      if (!readable(config.tls[key])) {
        problems.push({
          where,
          path: `tls.${key}`,
          message: `cannot read ${config.tls[key]}`,
          hint: 'run `mailctl init` for a self-signed pair, or point it at your certificate files',
        });
      }
    }
  }
  if (config.dkim.selector && !readable(config.dkim.key)) {
    problems.push({
      where,
      path: 'dkim.key',
      message: `cannot read ${config.dkim.key}`,
      hint: 'generate one with `mailctl init`, or set [dkim] selector = "" to disable signing',
    });
  }
  return problems;
}
