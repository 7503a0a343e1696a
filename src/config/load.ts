/** Reads, validates and resolves the TOML config; reports every problem at once. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { MailctlError, type Problem, ProblemsError } from '../errors.js';
import { keyLines, lineFor } from './locate.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { defaultListen, type ListenerName, listenerNames } from './sections/core.js';

export const DEFAULT_CONFIG_FILE = 'mailctl.toml';

export interface Config extends Omit<ParsedConfig, 'listen'> {
  /** Every listener's address; "" means disabled. */
  listen: Record<ListenerName, string> & { proxy_protocol: ListenerName[] };
  /** Absolute path of the file this came from, or undefined for built-in defaults. */
  source?: string;
  /** Directory relative paths in the config are resolved against. */
  baseDir: string;
  /** Things worth a log line at start-up (such as unprivileged port fallback). */
  notes: string[];
}

export interface LoadOptions {
  /** --config value; else MAILCTL_CONFIG; else ./mailctl.toml. */
  file?: string;
  /** When no file was named and ./mailctl.toml is absent, use built-in defaults. */
  allowMissingDefault?: boolean;
  /** Override for tests; defaults to whether the process runs as root. */
  privileged?: boolean;
}

export function configPath(file?: string): { path: string; explicit: boolean } {
  const named = file ?? process.env.MAILCTL_CONFIG;
  return { path: resolve(named ?? DEFAULT_CONFIG_FILE), explicit: named !== undefined };
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const { path, explicit } = configPath(opts.file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (!explicit && opts.allowMissingDefault) return resolveConfig(validate({}, '', path), undefined, opts);
    throw new MailctlError('config', `cannot read the config file: ${(e as Error).message}`, {
      where: path,
      hint: 'create one with `mailctl init`, or name another with --config FILE or MAILCTL_CONFIG',
    });
  }
  return parseConfigText(text, path, opts);
}

export function parseConfigText(text: string, path: string, opts: LoadOptions = {}): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) {
      throw new ProblemsError('config', 'the config file is not valid TOML', [
        {
          where: `${path}:${e.line}:${e.column}`,
          message: e.message.split('\n')[0],
          hint: 'fix the TOML syntax',
        },
      ]);
    }
    throw e;
  }
  return resolveConfig(validate(raw, text, path), path, opts, raw);
}

function validate(raw: unknown, text: string, path: string): ParsedConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = keyLines(text);
  const problems = result.error.issues.map((issue) => toProblem(issue, lines, path));
  throw new ProblemsError(
    'config',
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in the config`,
    problems,
  );
}

function toProblem(issue: z.core.$ZodIssue, lines: Map<string, number>, path: string): Problem {
  const keyPath = issue.path.map(String).join('.');
  const line = lineFor(lines, issue.path);
  let hint: string | undefined;
  if (issue.code === 'unrecognized_keys') {
    hint = `remove or correct ${issue.keys.map((k) => `"${k}"`).join(', ')}; \`mailctl config describe\` lists every key`;
  } else if (issue.code === 'invalid_type') {
    hint = `expected ${issue.expected}`;
  } else if (issue.code === 'invalid_value') {
    hint = `one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return {
    where: line ? `${path}:${line}` : path,
    path: keyPath || '(top level)',
    message: issue.message,
    hint,
  };
}

function resolveConfig(
  parsed: ParsedConfig,
  source: string | undefined,
  opts: LoadOptions,
  raw?: unknown,
): Config {
  const baseDir = source ? dirname(source) : process.cwd();
  const privileged = opts.privileged ?? process.getuid?.() === 0;
  const notes: string[] = [];
  const listen = { proxy_protocol: parsed.listen.proxy_protocol } as Config['listen'];
  const rawListen = (raw as { listen?: Record<string, unknown> } | undefined)?.listen ?? {};
  for (const name of listenerNames) {
    const given = parsed.listen[name];
    if (given !== undefined) {
      listen[name] = given;
    } else {
      listen[name] = privileged ? defaultListen[name].root : defaultListen[name].user;
      if (!privileged && defaultListen[name].root !== defaultListen[name].user && !(name in rawListen)) {
        notes.push(`not root: ${name} listens on ${listen[name]} instead of ${defaultListen[name].root}`);
      }
    }
  }
  const abs = (p: string) => (p === '' || isAbsolute(p) ? p : resolve(baseDir, p));
  const dataDir = abs(parsed.data_dir);
  return {
    ...parsed,
    data_dir: dataDir,
    listen,
    tls: { ...parsed.tls, cert: abs(parsed.tls.cert), key: abs(parsed.tls.key) },
    dkim: { ...parsed.dkim, key: abs(parsed.dkim.key) },
    directory: {
      ...parsed.directory,
      sqlite_path: parsed.directory.sqlite_path
        ? abs(parsed.directory.sqlite_path)
        : resolve(dataDir, 'accounts.sqlite'),
      ldap: parsed.directory.ldap
        ? { ...parsed.directory.ldap, ca: abs(parsed.directory.ldap.ca) }
        : undefined,
    },
    log: { ...parsed.log, file: abs(parsed.log.file) },
    source,
    baseDir,
    notes,
  };
}

/** Problems that need more than the schema (cross-field rules), reported like schema ones. */
export function checkSemantics(config: Config): Problem[] {
  const problems: Problem[] = [];
  const where = config.source ?? '(defaults)';
  if (config.directory.backend === 'ldap' && !config.directory.ldap) {
    problems.push({
      where,
      path: 'directory.ldap',
      message: 'backend is "ldap" but there is no [directory.ldap] table',
      hint: 'add [directory.ldap] with url, base_dn, bind_dn and bind_password',
    });
  }
  if (config.directory.backend === 'ldap' && config.directory.ldap && !config.directory.ldap.base_dn) {
    problems.push({
      where,
      path: 'directory.ldap.base_dn',
      message: 'base_dn is empty',
      hint: 'set the subtree that holds mail users',
    });
  }
  return problems;
}
