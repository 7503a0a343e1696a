/**
 * Maildir and Maildir++ as a source (Dovecot and Courier layouts): folders from ".A.B"
 * directories in modified UTF-7, flags from the ":2," suffix, keywords from
 * dovecot-keywords or courierimapkeywords, subscriptions from either server's file.
 * A message's identity is its base name (stable across flag changes and new/ → cur/).
 * Read-only: nothing under the root is ever written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailctlError } from '../../errors.js';
import { decodeMutf7, encodeMutf7 } from '../../proto/mutf7.js';
import { listedMessage } from '../listed.js';
import { normalizeFlags } from '../names.js';
import type { FetchedMessage, FolderListing, Source, SourceFolder, SourceMessage } from '../types.js';

const LETTERS: Record<string, string> = {
  D: '\\Draft',
  F: '\\Flagged',
  R: '\\Answered',
  S: '\\Seen',
  T: '\\Deleted',
};

export function isMaildir(dir: string): boolean {
  return existsSync(join(dir, 'cur')) && existsSync(join(dir, 'new'));
}

/** Parses a Maildir file name into its base and flags ("1700000000.M1P2.host,S=12:2,FSa"). */
export function parseMaildirName(
  name: string,
  keywords: readonly string[],
): { base: string; flags: string[] } {
  const i = name.indexOf(':2,');
  if (i < 0) return { base: name.replace(/:.*$/, ''), flags: [] };
  const flags: string[] = [];
  for (const c of name.slice(i + 3)) {
    if (LETTERS[c]) flags.push(LETTERS[c]);
    else if (c >= 'a' && c <= 'z' && keywords[c.charCodeAt(0) - 97])
      flags.push(keywords[c.charCodeAt(0) - 97]);
  }
  return { base: name.slice(0, i), flags: normalizeFlags(flags) };
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return [];
  }
}

/** Dovecot: "0 $Label1" lines. Courier: courierimapkeywords/:list, names then a blank line. */
function folderKeywords(dir: string): { letters: string[]; courier: Map<string, string[]> } {
  const letters: string[] = [];
  for (const l of readLines(join(dir, 'dovecot-keywords'))) {
    const m = /^(\d+) (.+)$/.exec(l);
    if (m) letters[Number(m[1])] = m[2];
  }
  const courier = new Map<string, string[]>();
  const list = readLines(join(dir, 'courierimapkeywords', ':list'));
  const blank = list.indexOf('');
  if (blank > 0) {
    const names = list.slice(0, blank);
    for (const l of list.slice(blank + 1)) {
      const m = /^([^:]+):(.*)$/.exec(l);
      if (m)
        courier.set(
          m[1],
          m[2]
            .split(/\s+/)
            .filter(Boolean)
            .map((n) => names[Number(n)])
            .filter(Boolean),
        );
    }
  }
  return { letters, courier };
}

export class MaildirSource implements Source {
  readonly kind = 'maildir' as const;
  constructor(
    readonly user: string,
    private readonly root: string,
  ) {}

  capabilities(): string[] {
    return [];
  }

  async folders(): Promise<SourceFolder[]> {
    if (!isMaildir(this.root)) {
      throw new MailctlError('not-found', 'not a Maildir (no cur/ and new/ directories)', {
        where: this.root,
        hint: 'point --from maildir:PATH at the Maildir itself or at a directory of users',
      });
    }
    const subs = new Set(
      [...readLines(join(this.root, 'subscriptions')), ...readLines(join(this.root, 'courierimapsubscribed'))]
        .filter((l) => l && !/^V\t/.test(l))
        .map((l) => l.replace(/^INBOX\./, '')),
    );
    const out: SourceFolder[] = [{ path: ['INBOX'], raw: '.', subscribed: true, selectable: true }];
    const dirs = readdirSync(this.root)
      .filter(
        (n) => n.startsWith('.') && n !== '.' && n !== '..' && statSync(join(this.root, n)).isDirectory(),
      )
      .sort();
    const known = new Set(dirs);
    for (const d of dirs) {
      const encoded = d.slice(1);
      let path: string[];
      let nameProblem: string | undefined;
      try {
        path = encoded.split('.').map(decodeMutf7);
        if (path.map(encodeMutf7).join('.') !== encoded) throw new Error('not canonical modified UTF-7');
      } catch (e) {
        path = encoded.split('.');
        nameProblem = `folder name "${encoded}" is not valid modified UTF-7 (${(e as Error).message}); copied under its raw name`;
      }
      // parents that exist only by implication (".A.B" without ".A")
      for (let i = 1; i < path.length; i++) {
        const parentDir = `.${encoded.split('.').slice(0, i).join('.')}`;
        if (!known.has(parentDir)) {
          known.add(parentDir);
          out.push({ path: path.slice(0, i), raw: parentDir, subscribed: false, selectable: false });
        }
      }
      out.push({
        path,
        raw: d,
        subscribed: subs.has(encoded) || subs.has(path.join('.')),
        selectable: isMaildir(join(this.root, d)),
        nameProblem,
      });
    }
    return out;
  }

  private dir(folder: SourceFolder): string {
    return folder.raw === '.' ? this.root : join(this.root, folder.raw);
  }

  async list(folder: SourceFolder, opts: { messageIds?: boolean } = {}): Promise<FolderListing> {
    const listing: FolderListing = { validity: 'maildir', messages: [], problems: [] };
    if (!folder.selectable) return listing;
    const dir = this.dir(folder);
    const { letters, courier } = folderKeywords(dir);
    for (const sub of ['new', 'cur']) {
      let names: string[];
      try {
        names = readdirSync(join(dir, sub));
      } catch (e) {
        listing.problems.push(`${join(dir, sub)}: ${(e as Error).message}`);
        continue;
      }
      for (const name of names.sort()) {
        if (name.startsWith('.')) continue;
        const file = join(dir, sub, name);
        try {
          const st = statSync(file);
          if (!st.isFile()) continue;
          const { base, flags } = parseMaildirName(name, letters);
          const kw = courier.get(base) ?? [];
          const m = listedMessage(base, st.size, normalizeFlags([...flags, ...kw]), st.mtime);
          if (opts.messageIds) m.messageId = await messageIdOf(file);
          listing.messages.push(m);
        } catch (e) {
          // a file moved by the live server between readdir and stat: not an error
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
            listing.problems.push(`${file}: ${(e as Error).message}`);
        }
      }
    }
    return listing;
  }

  async *fetch(folder: SourceFolder, messages: readonly SourceMessage[]): AsyncIterable<FetchedMessage> {
    const dir = this.dir(folder);
    const byBase = new Map<string, string>();
    for (const sub of ['new', 'cur']) {
      for (const name of readdirSync(join(dir, sub)))
        byBase.set(name.replace(/:2,.*$/, ''), join(dir, sub, name));
    }
    for (const { key } of messages) {
      const file = byBase.get(key);
      if (!file) continue;
      try {
        yield { key, body: await readFile(file) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }

  async close(): Promise<void> {}
}

async function messageIdOf(file: string): Promise<string | null> {
  const head = (await readFile(file)).subarray(0, 65536).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const headers = end >= 0 ? head.slice(0, end) : head;
  const m = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headers);
  return m ? m[1].replace(/\s+/g, ' ').trim() || null : null;
}
