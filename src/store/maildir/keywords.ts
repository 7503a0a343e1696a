/**
 * dovecot-keywords: "<index> <keyword>" per line; index 0–25 is file-name letter a–z.
 * Indexes never move once assigned (other readers have them in file names). Changed under
 * the dot-lock dovecot-keywords.lock (see lock.ts).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, MailctlError } from '../../errors.js';
import { withDotLock } from './lock.js';

export const MAX_KEYWORDS = 26;
/** An IMAP atom (RFC 3501 flag-keyword), at most 128 characters. */
const KEYWORD = /^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]{1,128}$/;

export class KeywordTable {
  private names: string[] = [];
  private stamp = '';
  readonly path: string;

  constructor(
    dir: string,
    private fsync: boolean,
  ) {
    this.path = join(dir, 'dovecot-keywords');
  }

  list(): readonly string[] {
    return this.names;
  }

  /** Re-reads the file if it changed on disk. */
  async load(): Promise<void> {
    let st: { mtimeMs: number; size: number; ino: number };
    try {
      st = await fsp.stat(this.path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        this.names = [];
        this.stamp = '';
        return;
      }
      throw e;
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (stamp === this.stamp) return;
    this.names = parseKeywords(await fsp.readFile(this.path, 'utf8'));
    this.stamp = stamp;
  }

  /** Letter for each keyword, adding new ones to the file. */
  async letters(keywords: readonly string[]): Promise<string[]> {
    // Most deliveries carry no keyword: no need to stat the file for them.
    if (keywords.length === 0) return [];
    for (const k of keywords) {
      if (!KEYWORD.test(k)) {
        throw new MailctlError('invalid-input', `not a valid keyword: ${JSON.stringify(k.slice(0, 60))}`, {
          hint: 'keywords are IMAP atoms: printable ASCII without spaces or ( ) { % * " \\ ]',
        });
      }
    }
    // A keyword's index never moves once assigned, so keywords this table knows need no
    // look at the file; only unknown ones make it re-read (another process may have added
    // them). Was a stat per delivery: ~0.14 s of a 10,404-message migration.
    if (keywords.some((k) => this.indexOf(k) < 0)) await this.load();
    const missing = keywords.filter((k) => this.indexOf(k) < 0);
    if (missing.length > 0) {
      await withDotLock(this.path, { fsync: this.fsync }, async (lock) => {
        this.stamp = '';
        await this.load();
        const names = [...this.names];
        for (const k of missing) {
          if (names.some((n) => n === k)) continue;
          let slot = names.findIndex((n) => !n);
          if (slot < 0) slot = names.length;
          if (slot >= MAX_KEYWORDS) {
            throw new MailctlError(
              'invalid-input',
              `too many keywords in this folder (at most ${MAX_KEYWORDS})`,
              {
                where: this.path,
              },
            );
          }
          names[slot] = k;
        }
        const text = names.map((n, i) => (n ? `${i} ${n}\n` : '')).join('');
        lock.replace(text);
        this.names = names;
        this.stamp = '';
      });
    }
    return keywords.map((k) => String.fromCharCode(97 + this.indexOf(k)));
  }

  /** Letter of an existing keyword, or undefined. */
  letterOf(keyword: string): string | undefined {
    const i = this.indexOf(keyword);
    return i < 0 ? undefined : String.fromCharCode(97 + i);
  }

  private indexOf(k: string): number {
    return this.names.indexOf(k);
  }
}

export function parseKeywords(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const i = Number(m[1]);
    if (i < MAX_KEYWORDS) names[i] = m[2];
  }
  return Array.from(names, (n) => n ?? '');
}
