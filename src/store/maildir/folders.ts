/**
 * Folder tree operations on one user's Maildir++ root: list, create, delete, rename,
 * subscriptions (Dovecot's "subscriptions" file, version 2: "V\t2\n\n" then one name per
 * line with TAB between hierarchy levels) and special-use markers (mailctl-special-use;
 * Dovecot keeps those in its config, so this file only matters to mailctl).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, MailctlError } from '../../errors.js';
import type { FolderInfo } from '../store.js';
import { withDotLock } from './lock.js';
import { checkFolderName, folderDirName, folderFromDirName, folderPath, SEPARATOR } from './names.js';

export const DEFAULT_SPECIAL_USE: Record<string, string> = {
  Sent: '\\Sent',
  Drafts: '\\Drafts',
  Trash: '\\Trash',
  Junk: '\\Junk',
  Archive: '\\Archive',
};

export async function makeMaildir(dir: string, isSub: boolean): Promise<void> {
  await Promise.all(
    ['tmp', 'new', 'cur'].map((s) => fsp.mkdir(join(dir, s), { recursive: true, mode: 0o700 })),
  );
  if (isSub) await fsp.writeFile(join(dir, 'maildirfolder'), '', { flag: 'a' });
}

export async function folderExists(root: string, folder: string): Promise<boolean> {
  try {
    return (await fsp.stat(join(root, folderDirName(folder), 'cur'))).isDirectory();
  } catch {
    return false;
  }
}

/** Every folder: INBOX, the real ones, and parents that exist only by implication. */
export async function listFolderNames(root: string): Promise<Set<string>> {
  const names = new Set<string>(['INBOX']);
  let ents: import('node:fs').Dirent[] = [];
  try {
    ents = await fsp.readdir(root, { withFileTypes: true });
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  for (const d of ents) {
    if (!d.isDirectory()) continue;
    const name = folderFromDirName(d.name);
    if (name) names.add(name);
  }
  return names;
}

export async function describeFolders(root: string): Promise<FolderInfo[]> {
  const real = await listFolderNames(root);
  const all = new Set(real);
  for (const n of real) {
    const parts = n.split(SEPARATOR);
    for (let i = 1; i < parts.length; i++) all.add(parts.slice(0, i).join(SEPARATOR));
  }
  const subs = new Set(await readSubscriptions(root));
  const special = await readSpecialUse(root);
  const sorted = [...all].sort((a, b) =>
    a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  return sorted.map((name) => {
    const info: FolderInfo = {
      name,
      subscribed: subs.has(name),
      hasChildren: sorted.some((o) => o.startsWith(`${name}${SEPARATOR}`)),
      selectable: real.has(name),
    };
    const su = special.get(name);
    if (su) info.specialUse = su;
    return info;
  });
}

export async function readSubscriptions(root: string): Promise<string[]> {
  let text: string;
  try {
    text = await fsp.readFile(join(root, 'subscriptions'), 'utf8');
  } catch {
    return [];
  }
  if (text.startsWith('V\t2\n')) {
    return text
      .slice(4)
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t').map(tabUnescape).join(SEPARATOR));
  }
  return text.split('\n').filter((l) => l.length > 0);
}

export async function writeSubscriptions(
  root: string,
  update: (names: string[]) => string[],
  fsync: boolean,
): Promise<void> {
  const path = join(root, 'subscriptions');
  await withDotLock(path, { fsync, staleMs: 30_000 }, async (lock) => {
    const names = [...new Set(update(await readSubscriptions(root)))];
    const body = names.map((n) => n.split(SEPARATOR).map(tabEscape).join('\t')).join('\n');
    lock.replace(`V\t2\n\n${body}${names.length > 0 ? '\n' : ''}`);
  });
}

// Dovecot's str_tabescape: \001 → \0011, \t → \001t, \r → \001r, \n → \001n
function tabEscape(s: string): string {
  return s.replace(
    /[\u0001\t\r\n]/g,
    (c) => `\u0001${({ '\u0001': '1', '\t': 't', '\r': 'r', '\n': 'n' } as Record<string, string>)[c]}`,
  );
}
function tabUnescape(s: string): string {
  return s.replace(
    /\u0001([1trn0])/g,
    (_m, c: string) => ({ '1': '\u0001', t: '\t', r: '\r', n: '\n', '0': '' })[c] ?? '',
  );
}

export async function readSpecialUse(root: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  let text = '';
  try {
    text = await fsp.readFile(join(root, 'mailctl-special-use'), 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) map.set(line.slice(tab + 1), line.slice(0, tab));
  }
  return map;
}

export async function writeSpecialUse(
  root: string,
  update: (m: Map<string, string>) => void,
  fsync: boolean,
): Promise<void> {
  const path = join(root, 'mailctl-special-use');
  await withDotLock(path, { fsync }, async (lock) => {
    const m = await readSpecialUse(root);
    update(m);
    lock.replace([...m].map(([name, use]) => `${use}\t${name}\n`).join(''));
  });
}

/**
 * Renames a folder and its children (Maildir++ keeps each level in its own directory), then
 * subscriptions and special-use. Returns the old directories (their cached state is stale).
 */
export async function renameTree(root: string, src: string, dst: string, fsync: boolean): Promise<string[]> {
  const names = await listFolderNames(root);
  const moving = [...names].filter((n) => n === src || n.startsWith(`${src}${SEPARATOR}`));
  if (moving.length === 0) throw new MailctlError('not-found', `no folder ${JSON.stringify(src)}`);
  const moved: string[] = [];
  for (const n of moving) {
    const target = checkFolderName(dst + n.slice(src.length));
    await fsp.rename(folderPath(root, n), folderPath(root, target));
    moved.push(folderPath(root, n));
  }
  const renamed = (s: string) =>
    s === src || s.startsWith(`${src}${SEPARATOR}`) ? dst + s.slice(src.length) : s;
  await writeSubscriptions(root, (subs) => subs.map(renamed), fsync);
  await writeSpecialUse(
    root,
    (m) => {
      for (const [name, use] of [...m]) {
        if (renamed(name) === name) continue;
        m.delete(name);
        m.set(renamed(name), use);
      }
    },
    fsync,
  );
  return moved;
}

/** INBOX plus Sent, Drafts, Trash, Junk and Archive with their special-use; true if anything was added. */
export async function ensureTree(root: string, fsync: boolean): Promise<boolean> {
  await makeMaildir(root, false);
  const existing = await listFolderNames(root);
  const special = await readSpecialUse(root);
  const missing = Object.keys(DEFAULT_SPECIAL_USE).filter((n) => !existing.has(n));
  for (const n of missing) await makeMaildir(folderPath(root, n), true);
  if (missing.length === 0 && special.size > 0) return false;
  await writeSpecialUse(
    root,
    (m) => {
      const used = new Set(m.values());
      for (const [n, su] of Object.entries(DEFAULT_SPECIAL_USE)) if (!m.has(n) && !used.has(su)) m.set(n, su);
    },
    fsync,
  );
  await writeSubscriptions(root, (s) => [...s, 'INBOX', ...missing], fsync);
  return true;
}
