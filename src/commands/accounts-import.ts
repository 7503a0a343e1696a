/** Rendering half of `accounts import` (loaded only when that command runs). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  applyImport,
  detectFormat,
  type LineResult,
  parseCsvAccounts,
  parsePasswdFile,
} from '../directory/import.js';
import { withDirectory } from '../directory/session.js';
import { MailctlError, ProblemsError } from '../errors.js';
import { paint, table } from '../ui/output.js';
import type { CliContext } from './context.js';

export interface ImportFlags {
  format?: string;
  domain?: string;
  createDomains?: boolean;
  json?: boolean;
}

export async function importAccounts(ctx: CliContext, file: string, o: ImportFlags): Promise<void> {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MailctlError('usage', `cannot read ${file}: ${(e as Error).message}`, {
      where: path,
      hint: 'check the path and its permissions',
    });
  }
  if (o.format !== undefined && o.format !== 'csv' && o.format !== 'passwd') {
    throw new MailctlError('usage', `--format ${o.format} is not known`, { hint: 'use csv or passwd' });
  }
  const format = (o.format as 'csv' | 'passwd' | undefined) ?? detectFormat(path, text);
  const records =
    format === 'csv' ? parseCsvAccounts(text, path) : parsePasswdFile(text, o.domain?.toLowerCase());
  const config = await ctx.config();
  const results = await withDirectory(config, (d) =>
    applyImport(
      d,
      records,
      {
        domain: o.domain,
        createDomains: o.createDomains,
        minPasswordLength: config.directory.min_password_length,
      },
      o.json || !process.stderr.isTTY ? undefined : (r) => ctx.io.err(progressLine(ctx, path, r)),
    ),
  );
  const count = (s: LineResult['status']) => results.filter((r) => r.status === s).length;
  const summary = {
    file: path,
    format,
    created: count('created'),
    skipped: count('skipped'),
    invalid: count('invalid'),
    failed: count('failed'),
    notAttempted: count('not-attempted'),
  };
  if (o.json) ctx.io.json({ summary, lines: results });
  else {
    ctx.io.out(
      results.length
        ? table(results, [
            { header: 'LINE', value: (r) => r.line, align: 'right' },
            { header: 'ADDRESS', value: (r) => r.address },
            { header: 'RESULT', value: (r) => r.status },
            { header: 'DETAIL', value: (r) => r.detail ?? '' },
          ])
        : 'the file has no accounts',
    );
    ctx.io.out(
      `${summary.created} created, ${summary.skipped} skipped, ${summary.invalid} invalid, ${summary.failed} failed${
        summary.notAttempted ? `, ${summary.notAttempted} not attempted` : ''
      }`,
    );
  }
  const bad = results.filter((r) => r.status === 'invalid' || r.status === 'failed');
  if (bad.length === 0) return;
  const problems = bad.map((r) => ({
    where: `${path}:${r.line}`,
    path: r.address,
    message: r.detail ?? r.status,
  }));
  const err = new ProblemsError(
    summary.failed ? 'storage' : 'invalid-input',
    `${bad.length} of ${results.length} line(s) were not imported`,
    problems,
  );
  Object.assign(err, {
    hint: 'fix those lines and run the same command again: accounts already created are skipped',
  });
  if (o.json) {
    // The report is already on stdout; only the exit code tells scripts it was partial.
    process.exitCode = err.exitCode;
    return;
  }
  throw err;
}

function progressLine(ctx: CliContext, path: string, r: LineResult): string {
  const colour = r.status === 'created' ? 'green' : r.status === 'skipped' ? 'dim' : 'red';
  return `${paint(ctx.io, colour, r.status.padEnd(13))} ${path}:${r.line} ${r.address}${r.detail ? ` (${r.detail})` : ''}`;
}
