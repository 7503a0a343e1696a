/**
 * `accounts import`: legacy user lists (CSV, Dovecot passwd-file) into the directory.
 * A pure parse into records (each with its line), then an apply that reports per line.
 * Each account is created atomically, existing ones are skipped, so a failed run can be
 * re-run as it is: lines done before are reported "skipped (exists)".
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { importHash } from '../auth/password.js';
import { MailctlError } from '../errors.js';
import { parseSize } from '../proto/units.js';
import type { Directory } from './directory.js';
import { canonicalAddress, checkDomain, checkPassword } from './validate.js';

export interface ImportRecord {
  line: number;
  address: string;
  displayName?: string;
  quota?: number;
  password?: string;
  passwordHash?: string;
  /** Set when the line could not be understood. */
  invalid?: string;
}

export type LineStatus = 'created' | 'skipped' | 'invalid' | 'failed' | 'not-attempted';

export interface LineResult {
  line: number;
  address: string;
  status: LineStatus;
  detail?: string;
}

export interface ImportOptions {
  /** Domain for passwd-file users written without one. */
  domain?: string;
  /** Create missing domains instead of refusing their accounts. */
  createDomains?: boolean;
  minPasswordLength: number;
}

export type ImportFormat = 'csv' | 'passwd';

/** CSV or passwd-file, by extension and then by content. */
export function detectFormat(file: string, text: string): ImportFormat {
  if (/\.csv$/i.test(file)) return 'csv';
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  return first.includes(',') && !first.includes(':{') ? 'csv' : 'passwd';
}

const CSV_COLUMNS = ['address', 'password', 'password_hash', 'name', 'quota'] as const;

export function parseCsvAccounts(text: string, file: string): ImportRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parseCsv(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      comment: '#',
      bom: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const line =
      typeof e === 'object' && e !== null && 'lines' in e ? (e as { lines: number }).lines : undefined;
    throw new MailctlError('invalid-input', `the CSV file cannot be parsed: ${(e as Error).message}`, {
      where: line ? `${file}:${line}` : file,
      hint: 'check the quotes on that line; fields with commas must be quoted with "…"',
    });
  }
  if (rows.length === 0) return [];
  const header = rows[0].record.map((h) => h.toLowerCase().replace(/[\s-]/g, '_'));
  const unknown = header.filter(
    (h) => !(CSV_COLUMNS as readonly string[]).includes(h) && h !== 'display_name',
  );
  if (!header.includes('address') || unknown.length > 0) {
    throw new MailctlError('invalid-input', 'the CSV header is not one mailctl understands', {
      where: `${file}:${rows[0].info.lines}`,
      hint: `the first line names the columns: address,password,name,quota (or password_hash with {SCHEME}…)${
        unknown.length ? `; unknown: ${unknown.join(', ')}` : ''
      }`,
    });
  }
  return rows.slice(1).map(({ record, info }) => {
    const get = (k: string) => {
      const i = header.indexOf(k);
      return i >= 0 ? (record[i] ?? '').trim() : '';
    };
    const rec: ImportRecord = { line: info.lines, address: get('address') };
    rec.displayName = get('name') || get('display_name') || undefined;
    if (record.length < header.length) rec.invalid = `${header.length - record.length} field(s) missing`;
    if (!rec.address) rec.invalid = 'the address field is empty';
    const pw = get('password');
    const hash = get('password_hash');
    if (pw) rec.password = pw;
    else if (hash) rec.passwordHash = hash;
    else rec.invalid ??= 'no password and no password_hash';
    const quota = get('quota');
    if (quota) {
      const q = parseSize(quota);
      if (q === undefined) rec.invalid ??= `quota "${quota}" is not a size (e.g. 2GB)`;
      else rec.quota = q;
    }
    return rec;
  });
}

/**
 * Dovecot passwd-file: user:password:uid:gid:gecos:home:shell:extra_fields.
 * A `userdb_quota_rule=*:storage=1G` extra field becomes the quota (Dovecot units are binary).
 */
export function parsePasswdFile(text: string, domain?: string): ImportRecord[] {
  const out: ImportRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
    const f = l.split(':');
    const rec: ImportRecord = { line: i + 1, address: f[0].trim() };
    if (!rec.address.includes('@') && domain) rec.address = `${rec.address}@${domain}`;
    if (f.length < 2 || f[1] === '') rec.invalid = 'no password field (user:{SCHEME}hash:…)';
    else rec.passwordHash = f[1];
    if (f[4]) rec.displayName = f[4].split(',')[0];
    const extra = f.slice(7).join(':');
    const q = /(?:^|\s)(?:userdb_)?quota_rule=\*:storage=(\d+)([KMGT]?)/i.exec(extra);
    if (q) rec.quota = Number(q[1]) * 1024 ** ' KMGT'.indexOf((q[2] || ' ').toUpperCase());
    if (!rec.address.includes('@')) {
      rec.invalid ??= `user "${rec.address}" has no domain`;
    }
    out.push(rec);
  }
  return out;
}

/** Applies records in order; a storage failure stops the run (the rest is "not-attempted"). */
export async function applyImport(
  dir: Directory,
  records: ImportRecord[],
  opts: ImportOptions,
  onLine?: (r: LineResult) => void,
): Promise<LineResult[]> {
  if (opts.domain) checkDomain(opts.domain);
  const results: LineResult[] = [];
  let stopped: string | undefined;
  for (const rec of records) {
    let r: LineResult;
    if (stopped) r = { line: rec.line, address: rec.address, status: 'not-attempted', detail: stopped };
    else {
      r = await importOne(dir, rec, opts);
      if (r.status === 'failed') stopped = `stopped after line ${rec.line} failed`;
    }
    results.push(r);
    onLine?.(r);
  }
  return results;
}

async function importOne(dir: Directory, rec: ImportRecord, opts: ImportOptions): Promise<LineResult> {
  const base = { line: rec.line, address: rec.address };
  if (rec.invalid) return { ...base, status: 'invalid', detail: rec.invalid };
  const a = canonicalAddress(rec.address);
  if (!a) return { ...base, status: 'invalid', detail: `"${rec.address}" is not a valid mail address` };
  try {
    if (rec.password !== undefined) checkPassword(rec.password, opts.minPasswordLength);
    if (rec.passwordHash !== undefined) await importHash(rec.passwordHash);
    if (await dir.getAccount(a.address))
      return { ...base, address: a.address, status: 'skipped', detail: 'exists' };
    if (!(await dir.isLocalDomain(a.domain))) {
      if (!opts.createDomains) {
        return {
          ...base,
          address: a.address,
          status: 'invalid',
          detail: `${a.domain} is not a local domain (add it, or pass --create-domains)`,
        };
      }
      await dir.addDomain(a.domain);
    }
    await dir.addAccount({
      address: a.address,
      displayName: rec.displayName,
      quota: rec.quota,
      password: rec.password,
      passwordHash: rec.passwordHash,
    });
    return { ...base, address: a.address, status: 'created' };
  } catch (e) {
    if (
      e instanceof MailctlError &&
      (e.code === 'invalid-input' || e.code === 'exists' || e.code === 'not-found')
    ) {
      return { ...base, address: a.address, status: 'invalid', detail: e.message };
    }
    return {
      ...base,
      address: a.address,
      status: 'failed',
      detail: e instanceof Error ? e.message : String(e),
    };
  }
}
