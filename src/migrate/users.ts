/**
 * Who to migrate: the users CSV (source_user, source_password, target_user, optional
 * source_token, target_password; errors reported with line numbers, all at once), a
 * Dovecot passwd-file for --create-accounts, and user discovery in Maildir/mbox trees.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { MailctlError, type Problem, ProblemsError } from '../errors.js';
import { isMaildir } from './sources/maildir.js';

export interface UserEntry {
  sourceUser: string;
  sourcePassword?: string;
  sourceToken?: string;
  targetUser: string;
  targetPassword?: string;
}

export function parseUsersCsv(text: string, file: string): UserEntry[] {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: false, bom: true }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new MailctlError('invalid-input', `the users CSV cannot be parsed: ${(e as Error).message}`, {
      where: line ? `${file}:${line}` : file,
    });
  }
  const header = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const missing = ['source_user', 'target_user'].filter((c) => col(c) < 0);
  if (missing.length) {
    throw new MailctlError('invalid-input', `the users CSV header lacks ${missing.join(', ')}`, {
      where: `${file}:1`,
      hint: 'the first row must name the columns: source_user,source_password,target_user',
    });
  }
  const problems: Problem[] = [];
  const out: UserEntry[] = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((r, i) => {
    const line = i + 2;
    if (r.every((c) => c.trim() === '')) return;
    const get = (name: string) => (col(name) >= 0 ? (r[col(name)] ?? '').trim() : '');
    const e: UserEntry = {
      sourceUser: get('source_user'),
      sourcePassword: col('source_password') >= 0 ? (r[col('source_password')] ?? '') : undefined,
      sourceToken: get('source_token') || undefined,
      targetUser: get('target_user'),
      targetPassword:
        col('target_password') >= 0 ? (r[col('target_password')] ?? '') || undefined : undefined,
    };
    if (!e.sourceUser) problems.push({ where: `${file}:${line}`, message: 'source_user is empty' });
    if (!e.targetUser) problems.push({ where: `${file}:${line}`, message: 'target_user is empty' });
    else if (seen.has(e.targetUser.toLowerCase())) {
      problems.push({
        where: `${file}:${line}`,
        message: `target_user ${e.targetUser} also on line ${seen.get(e.targetUser.toLowerCase())}`,
      });
    } else seen.set(e.targetUser.toLowerCase(), line);
    if (e.sourcePassword === '') e.sourcePassword = undefined;
    out.push(e);
  });
  if (problems.length)
    throw new ProblemsError('invalid-input', `the users CSV has ${problems.length} problem(s)`, problems);
  return out;
}

/** Dovecot passwd-file: "user:{SCHEME}hash:uid:gid:…" → user → hash. */
export function parsePasswdFile(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const [user, hash] = line.split(':');
    if (user && hash) map.set(user, hash);
  }
  return map;
}

/** Users under a Maildir/mbox root: the root itself when it is one mailbox, else its subdirectories. */
export function discoverUsers(kind: 'maildir' | 'mbox', root: string): { user: string; path: string }[] {
  if (!existsSync(root))
    throw new MailctlError('not-found', `no such file or directory: ${root}`, { where: root });
  const single = (p: string) => {
    const name = basename(p);
    return name === 'Maildir' || name === 'mail' ? basename(dirname(p)) : name;
  };
  if (kind === 'maildir') {
    if (isMaildir(root)) return [{ user: single(root), path: root }];
    const users = readdirSync(root)
      .sort()
      .map((n) => ({ user: n, dir: join(root, n) }))
      .filter((u) => statSync(u.dir).isDirectory())
      .map((u) => ({
        user: u.user,
        path: isMaildir(join(u.dir, 'Maildir')) ? join(u.dir, 'Maildir') : u.dir,
      }))
      .filter((u) => isMaildir(u.path));
    if (!users.length) {
      throw new MailctlError(
        'not-found',
        'no Maildir found (neither cur/ and new/ here nor in user subdirectories)',
        {
          where: root,
        },
      );
    }
    return users;
  }
  const st = statSync(root);
  if (
    st.isFile() ||
    readdirSync(root).some((n) => n.toUpperCase() === 'INBOX' && statSync(join(root, n)).isFile())
  ) {
    return [{ user: st.isFile() ? basename(root) : single(root), path: root }];
  }
  return readdirSync(root)
    .sort()
    .filter((n) => !n.startsWith('.') && statSync(join(root, n)).isDirectory())
    .map((n) => ({ user: n, path: join(root, n) }));
}

export function readUsersFile(file: string): UserEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new MailctlError('not-found', `cannot read the users CSV: ${(e as Error).message}`, {
      where: file,
    });
  }
  return parseUsersCsv(text, file);
}
