/**
 * mbox files as a source: one file per folder, children in "Name.sbd/" (Thunderbird) or a
 * directory of the same name. A message's identity is its content hash plus its
 * occurrence, so re-runs do not duplicate even when messages have no Message-ID and
 * earlier ones were deleted from the file. Read-only.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { MailctlError } from '../../errors.js';
import { CrlfHasher } from '../hash.js';
import { listedMessage } from '../listed.js';
import { normalizeFlags } from '../names.js';
import type { FetchedMessage, FolderListing, Source, SourceFolder, SourceMessage } from '../types.js';
import { type MboxFormat, MboxParser } from './mbox-parse.js';

const SKIP = /(\.msf|\.lock|\.dat|\.json|\.html|~)$/i;

/** Folder files under a user's mbox root (or the single file given). */
export function mboxFolders(root: string): SourceFolder[] {
  const st = statSync(root);
  if (st.isFile()) return [{ path: ['INBOX'], raw: root, subscribed: true, selectable: true }];
  const out: SourceFolder[] = [];
  const walk = (dir: string, parent: string[]) => {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      if (name.startsWith('.') || SKIP.test(name)) continue;
      const full = join(dir, name);
      const s = statSync(full);
      if (s.isFile()) {
        const path = parent.length === 0 && name.toUpperCase() === 'INBOX' ? ['INBOX'] : [...parent, name];
        out.push({ path, raw: relative(root, full), subscribed: true, selectable: true });
      } else if (s.isDirectory()) {
        const child = name.endsWith('.sbd') ? name.slice(0, -4) : name;
        if (!names.includes(child)) {
          out.push({
            path: [...parent, child],
            raw: relative(root, full),
            subscribed: true,
            selectable: false,
          });
        }
        walk(full, [...parent, child]);
      }
    }
  };
  walk(root, []);
  return out;
}

interface Parsed {
  meta: SourceMessage;
  body?: Buffer;
}

/** Streams one mbox file, yielding each message (with its body when `keep` says so) as soon as it ends. */
async function* scanFile(
  file: string,
  format: MboxFormat,
  keep: (key: string) => boolean,
  problems: string[],
  display: string,
): AsyncGenerator<Parsed> {
  const mtime = statSync(file).mtime;
  const seen = new Map<string, number>();
  const ready: Parsed[] = [];
  let hasher: CrlfHasher | undefined;
  let chunks: Buffer[] = [];
  let date: Date | undefined;
  const parser = new MboxParser(
    {
      start: (m) => {
        hasher = new CrlfHasher();
        chunks = [];
        date = m.date;
      },
      data: (c) => {
        hasher?.update(c);
        chunks.push(Buffer.from(c));
      },
      end: (e) => {
        if (!hasher) return;
        const sha = hasher.digest();
        const n = seen.get(sha) ?? 0;
        seen.set(sha, n + 1);
        const key = `${sha}#${n}`;
        const meta = listedMessage(key, hasher.bytes, normalizeFlags(e.flags), date ?? mtime);
        meta.messageId = e.messageId;
        meta.sha256 = sha;
        ready.push({ meta, body: keep(key) ? Buffer.concat(chunks) : undefined });
        chunks = [];
        hasher = undefined;
      },
      problem: (line, message) => problems.push(`${display}:${line}: ${message}`),
    },
    format,
  );
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    parser.push(chunk as Buffer);
    // bodies of messages nobody asked for are not kept past the message's end
    while (ready.length) yield ready.shift()!;
  }
  parser.finish();
  yield* ready;
}

export class MboxSource implements Source {
  readonly kind = 'mbox' as const;
  constructor(
    readonly user: string,
    private readonly root: string,
    private readonly format: MboxFormat = 'mboxrd',
  ) {}

  capabilities(): string[] {
    return [];
  }

  async folders(): Promise<SourceFolder[]> {
    try {
      return mboxFolders(this.root);
    } catch (e) {
      throw new MailctlError('not-found', `cannot read the mbox source: ${(e as Error).message}`, {
        where: this.root,
      });
    }
  }

  private file(folder: SourceFolder): string {
    return statSync(this.root).isFile() ? this.root : join(this.root, folder.raw);
  }

  async list(folder: SourceFolder): Promise<FolderListing> {
    const listing: FolderListing = { validity: 'mbox', messages: [], problems: [] };
    if (!folder.selectable) return listing;
    const file = this.file(folder);
    const display = statSync(this.root).isFile() ? file : join(basename(this.root), folder.raw);
    for await (const p of scanFile(file, this.format, () => false, listing.problems, display))
      listing.messages.push(p.meta);
    return listing;
  }

  async *fetch(folder: SourceFolder, messages: readonly SourceMessage[]): AsyncIterable<FetchedMessage> {
    const want = new Set(messages.map((m) => m.key));
    const file = this.file(folder);
    for await (const p of scanFile(file, this.format, (k) => want.has(k), [], file)) {
      if (p.body) yield { key: p.meta.key, body: p.body };
    }
  }

  async close(): Promise<void> {}
}
