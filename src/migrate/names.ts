/**
 * Folder names across servers: special-use recognition from legacy names, the operator's
 * --folder-map, and translation of the hierarchy to the target's separator.
 */
import { MailctlError } from '../errors.js';
import type { SourceFolder } from './types.js';

export const SPECIAL_USES = ['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive'] as const;

/** Legacy names, compared case-insensitively, that mean a special-use folder. */
const LEGACY: Record<string, string[]> = {
  '\\Sent': [
    'sent',
    'sent items',
    'sent messages',
    'sent mail',
    '送信済み',
    '送信済みアイテム',
    '送信済みメール',
    '送信箱',
  ],
  '\\Drafts': ['drafts', 'draft', '下書き', '草稿'],
  '\\Trash': ['trash', 'deleted items', 'deleted messages', 'ごみ箱', 'ゴミ箱', '削除済みアイテム'],
  '\\Junk': ['junk', 'spam', 'junk e-mail', 'junk email', '迷惑メール'],
  '\\Archive': ['archive', 'archives', 'アーカイブ'],
};

/** Default target names for special-use folders when the target has none yet. */
export const DEFAULT_SPECIAL_NAMES: Record<string, string> = {
  '\\Sent': 'Sent',
  '\\Drafts': 'Drafts',
  '\\Trash': 'Trash',
  '\\Junk': 'Junk',
  '\\Archive': 'Archive',
};

/** Special use of a top-level folder (or INBOX child, as Courier's INBOX.Sent) by attribute or legacy name. */
export function detectSpecialUse(f: Pick<SourceFolder, 'path' | 'specialUse'>): string | undefined {
  if (f.specialUse) return f.specialUse;
  const p = f.path[0]?.toUpperCase() === 'INBOX' && f.path.length === 2 ? f.path.slice(1) : f.path;
  if (p.length !== 1) return undefined;
  const name = p[0].toLowerCase();
  for (const [use, names] of Object.entries(LEGACY)) if (names.includes(name)) return use;
  return undefined;
}

/** Parses repeated `--folder-map "Old/Name=New/Name"` options (both sides "/"-separated). */
export function parseFolderMap(entries: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of entries) {
    const i = e.indexOf('=');
    if (i <= 0 || i === e.length - 1) {
      throw new MailctlError('usage', `--folder-map needs SOURCE=TARGET, got "${e}"`, {
        hint: 'e.g. --folder-map "Sent Items=Sent" (hierarchy with "/")',
      });
    }
    map.set(e.slice(0, i), e.slice(i + 1));
  }
  return map;
}

export interface MappedFolder {
  /** Target name with the target's separator. */
  name: string;
  specialUse?: string;
  /** A note when a segment had to be changed (contained the target separator). */
  note?: string;
}

/**
 * Source folder → target folder name. Order: --folder-map, special use (to the target's own
 * folder of that use), then the path joined with the target separator. A segment that
 * contains the separator gets it replaced by "_" and a note, never silently.
 */
export function mapFolder(
  f: SourceFolder,
  opts: { delimiter: string; map: Map<string, string>; targetSpecial: Map<string, string> },
): MappedFolder {
  const slashName = f.path.join('/');
  const mapped = opts.map.get(slashName);
  if (mapped !== undefined) return { name: mapped.split('/').join(opts.delimiter) };
  if (f.path.length === 1 && f.path[0].toUpperCase() === 'INBOX') return { name: 'INBOX' };
  const use = detectSpecialUse(f);
  if (use) return { name: opts.targetSpecial.get(use) ?? DEFAULT_SPECIAL_NAMES[use], specialUse: use };
  let note: string | undefined;
  const segs = f.path.map((s) => {
    if (!s.includes(opts.delimiter)) return s;
    note = `"${s}" contains the target separator "${opts.delimiter}"; stored as "${s.split(opts.delimiter).join('_')}"`;
    return s.split(opts.delimiter).join('_');
  });
  // Courier's INBOX.Projects → Projects: the INBOX prefix is a namespace, not a parent.
  if (segs.length > 1 && segs[0].toUpperCase() === 'INBOX' && f.raw.startsWith('INBOX.')) segs.shift();
  return { name: segs.join(opts.delimiter), note };
}

/** IMAP flags as we compare them: no \Recent, sorted, system flags capitalised canonically. */
export function normalizeFlags(flags: Iterable<string>): string[] {
  const system: Record<string, string> = {
    '\\seen': '\\Seen',
    '\\answered': '\\Answered',
    '\\flagged': '\\Flagged',
    '\\draft': '\\Draft',
    '\\deleted': '\\Deleted',
  };
  const out = new Set<string>();
  for (const f of flags) {
    const low = f.toLowerCase();
    if (low === '\\recent' || f === '') continue;
    out.add(system[low] ?? f);
  }
  return [...out].sort();
}
