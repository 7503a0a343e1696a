/**
 * Maildir file names as Dovecot writes and reads them:
 *   <base>[,S=<size>][,W=<vsize>][:2,<flags>]
 * base = "<secs>.M<usecs>P<pid>Q<n>.<host>"; flags are sorted letters, D F P R S T for
 * system flags and a–z for keywords (index into dovecot-keywords).
 */
import { hostname } from 'node:os';

export const SYSTEM_FLAG_LETTERS: Record<string, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};
const LETTER_TO_FLAG: Record<string, string> = Object.fromEntries(
  Object.entries(SYSTEM_FLAG_LETTERS).map(([f, l]) => [l, f]),
);

export interface ParsedName {
  base: string;
  /** Letters after ":2," ("" when none). */
  letters: string;
  size?: number;
  vsize?: number;
}

export function parseName(name: string): ParsedName {
  const colon = name.indexOf(':');
  const base = colon < 0 ? name : name.slice(0, colon);
  const info = colon < 0 ? '' : name.slice(colon + 1);
  const letters = info.startsWith('2,') ? info.slice(2) : '';
  let size: number | undefined;
  let vsize: number | undefined;
  const s = base.indexOf(',S=');
  if (s >= 0) size = Number.parseInt(base.slice(s + 3), 10);
  const w = base.indexOf(',W=');
  if (w >= 0) vsize = Number.parseInt(base.slice(w + 3), 10);
  return {
    base,
    letters,
    size: Number.isFinite(size) ? size : undefined,
    vsize: Number.isFinite(vsize) ? vsize : undefined,
  };
}

export function formatName(base: string, letters: string): string {
  return `${base}:2,${letters}`;
}

/** Sorted, de-duplicated flag letters (Dovecot expects ASCII order). */
export function sortLetters(letters: Iterable<string>): string {
  return [...new Set(letters)].sort().join('');
}

/** Letters → IMAP flags, resolving keyword letters through the keyword table. */
export function lettersToFlags(letters: string, keywords: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of letters) {
    const sys = LETTER_TO_FLAG[l];
    if (sys) out.push(sys);
    else if (l >= 'a' && l <= 'z') {
      const k = keywords[l.charCodeAt(0) - 97];
      if (k) out.push(k);
    }
  }
  return out;
}

const host = hostname().replace(/[/:,\\]/g, '_') || 'localhost';
let counter = 0;

/** A new unique base name (Dovecot's style, so its tools recognise it). */
export function newBaseName(now = Date.now()): string {
  counter = (counter + 1) % 1_000_000_000;
  const secs = Math.floor(now / 1000);
  const usecs = (now % 1000) * 1000 + (counter % 1000);
  return `${secs}.M${usecs}P${process.pid}Q${counter}.${host}`;
}

/** Canonical spelling of a system flag (IMAP flags are case-insensitive), or the keyword as given. */
export function canonicalFlag(flag: string): string {
  if (!flag.startsWith('\\')) return flag;
  const lower = flag.toLowerCase();
  for (const f of Object.keys(SYSTEM_FLAG_LETTERS)) if (f.toLowerCase() === lower) return f;
  return flag;
}
