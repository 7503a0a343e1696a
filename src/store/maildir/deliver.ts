/**
 * Delivery: the body is streamed once into the first target's tmp/, fsync'd, renamed into
 * new/ (cur/ when flags are given), then hard-linked (or copied) into further targets; each
 * target directory is fsync'd; UIDs come from numbering.ts; quota is checked before and
 * after writing. Any failure before the first rename leaves nothing behind.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Delivered, DeliverOptions, MailboxRef } from '../store.js';
import { DurableWriteError, writeDurably } from './durable-writer.js';
import type { Entry } from './entry.js';
import { canonicalFlag, formatName, newBaseName, SYSTEM_FLAG_LETTERS, sortLetters } from './filename.js';
import type { FolderState } from './folder.js';
import { numberFile, numberFiles, numberLater } from './numbering.js';
import { CrlfNormalizer, fsyncDir, tooLargeError, writeBody } from './write.js';

export interface DeliverHost {
  opts: { fsync: boolean };
  checkQuota(user: string, adding: number): Promise<void>;
  /** The folder directory vanished under us (deleted by another process). */
  folderGone(ref: MailboxRef): Error;
  quotaFile(user: string): { add(bytes: number, messages: number): Promise<void> };
}

interface Target {
  ref: MailboxRef;
  state: FolderState;
}

async function lettersFor(state: FolderState, flags: readonly string[] | undefined): Promise<string> {
  if (!flags || flags.length === 0) return '';
  const canon = flags.map(canonicalFlag).filter((f) => f !== '\\Recent');
  const sys = canon
    .filter((f) => f.startsWith('\\'))
    .map((f) => SYSTEM_FLAG_LETTERS[f])
    .filter(Boolean);
  const kw = await state.keywords.letters(canon.filter((f) => !f.startsWith('\\')));
  return sortLetters([...sys, ...kw]);
}

function place(base: string, letters: string, flagged: boolean): { sub: 'new' | 'cur'; file: string } {
  return flagged ? { sub: 'cur', file: formatName(base, letters) } : { sub: 'new', file: base };
}

/** Bodies in memory up to this size go through the durable writer thread in one piece. */
const IN_MEMORY_LIMIT = 8 << 20;

export async function deliverInto(
  host: DeliverHost,
  targets: readonly Target[],
  body: Readable | Buffer,
  opts: DeliverOptions,
): Promise<Delivered[]> {
  const users = [...new Set(targets.map((t) => t.ref.user))];
  if (!opts.ignoreQuota) for (const u of users) await host.checkQuota(u, 0);
  const first = targets[0];
  const where = `${first.ref.user} ${first.ref.folder}`;
  const tmpBase = newBaseName();
  const tmpPath = join(first.state.dir, 'tmp', tmpBase);
  const flagged = (opts.flags?.length ?? 0) > 0;
  const placed: { t: Target; base: string; sub: 'new' | 'cur'; file: string }[] = [];
  /** The directory the writer thread has fsynced already. */
  let synced: string | undefined;
  let size: number;
  let sha256: string | undefined;
  if (Buffer.isBuffer(body) && body.length <= IN_MEMORY_LIMIT) {
    const norm = new CrlfNormalizer();
    const data = [...(opts.prepend ? [norm.push(Buffer.from(opts.prepend))] : []), norm.push(body)];
    size = data.reduce((n, b) => n + b.length, 0);
    if (opts.maxSize !== undefined && size > opts.maxSize) throw tooLargeError(opts.maxSize, where);
    if (!opts.ignoreQuota) for (const u of users) await host.checkQuota(u, size);
    const base = `${tmpBase},S=${size},W=${size}`;
    const p = place(base, await lettersFor(first.state, opts.flags), flagged);
    const dest = join(first.state.dir, p.sub, p.file);
    first.state.uidlist.expect(base);
    try {
      sha256 = await writeDurably({
        tmp: tmpPath,
        dest,
        data,
        mtime: opts.internalDate,
        fsync: host.opts.fsync,
        hash: opts.contentHash,
      });
    } catch (e) {
      first.state.uidlist.settle(base);
      if (e instanceof DurableWriteError) {
        if (e.placed) await fsp.unlink(dest).catch(() => undefined);
        else if (e.code === 'ENOENT') throw host.folderGone(first.ref);
      }
      throw e;
    }
    placed.push({ t: first, base, ...p });
    if (host.opts.fsync) synced = join(first.state.dir, p.sub);
  } else {
    ({ size } = await writeBody(tmpPath, Buffer.isBuffer(body) ? Readable.from([body]) : body, {
      onMissingDir: () => host.folderGone(first.ref),
      prepend: opts.prepend,
      maxSize: opts.maxSize,
      fsync: host.opts.fsync,
      where,
      mtime: opts.internalDate,
    }));
    try {
      if (!opts.ignoreQuota) for (const u of users) await host.checkQuota(u, size);
      const base = `${tmpBase},S=${size},W=${size}`;
      const p = place(base, await lettersFor(first.state, opts.flags), flagged);
      first.state.uidlist.expect(base);
      await fsp.rename(tmpPath, join(first.state.dir, p.sub, p.file)).catch((e: unknown) => {
        first.state.uidlist.settle(base);
        throw e;
      });
      placed.push({ t: first, base, ...p });
    } catch (e) {
      await fsp.unlink(tmpPath).catch(() => undefined);
      throw e;
    }
  }
  try {
    for (const t of targets.slice(1)) {
      const base = `${newBaseName()},S=${size},W=${size}`;
      const p = place(base, await lettersFor(t.state, opts.flags), flagged);
      const from = placed[0];
      t.state.uidlist.expect(base);
      placed.push({ t, base, ...p });
      await linkOrCopy(
        join(from.t.state.dir, from.sub, from.file),
        join(t.state.dir, p.sub, p.file),
        t.state,
        host.opts.fsync,
      );
    }
  } catch (e) {
    for (const p of placed) {
      await fsp.unlink(join(p.t.state.dir, p.sub, p.file)).catch(() => undefined);
      p.t.state.uidlist.settle(p.base);
    }
    throw e;
  }
  // The directory fsync, UID numbering and quota accounting are independent: run them
  // side by side so a delivery waits for the slowest, not for their sum.
  const dirs = [...new Set(placed.map((p) => join(p.t.state.dir, p.sub)))].filter((d) => d !== synced);
  const [, uids] = await Promise.all([
    host.opts.fsync ? Promise.all(dirs.map(fsyncDir)) : undefined,
    opts.uidLater
      ? placed.map((p) => {
          numberLater(p.t.state, p.file);
          return 0;
        })
      : Promise.all(placed.map((p) => numberFile(p.t.state, p.file))),
    Promise.all(
      users.map((u) => {
        const n = placed.filter((p) => p.t.ref.user === u).length;
        return host.quotaFile(u).add(size * n, n);
      }),
    ),
  ]);
  const out: Delivered[] = placed.map((p, i) => ({
    ref: p.t.ref,
    uid: uids[i],
    uidValidity: p.t.state.uidValidity,
    size,
    id: p.base,
    sha256,
  }));
  return out;
}

/** Hard link when possible (same file system), else a copy through tmp/ with fsync. */
async function linkOrCopy(src: string, dest: string, state: FolderState, fsync: boolean): Promise<void> {
  try {
    await fsp.link(src, dest);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw e;
  }
  const tmp = join(state.dir, 'tmp', newBaseName());
  try {
    await fsp.copyFile(src, tmp);
    if (fsync) {
      const fh = await fsp.open(tmp, 'r+');
      await fh.sync();
      await fh.close();
    }
    await fsp.rename(tmp, dest);
  } catch (e) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * COPY/MOVE into another folder of the same user: hard links keeping flags and dates, one
 * directory fsync, and all new files numbered in one uidlist lock (UIDs in source order).
 */
export async function copyInto(
  host: DeliverHost,
  to: MailboxRef,
  state: FolderState,
  entries: readonly Entry[],
): Promise<number[]> {
  let bytes = 0;
  const files: string[] = [];
  for (const e of entries) {
    const letters = await lettersFor(state, e.flags);
    const size = e.size;
    // S=/W= only when the file really is CRLF (then size = file size = RFC822.SIZE).
    const base = e.crlf ? `${newBaseName()},S=${size},W=${size}` : newBaseName();
    const file = formatName(base, letters);
    state.uidlist.expect(base);
    await linkOrCopy(e.path, join(state.dir, 'cur', file), state, host.opts.fsync).catch((err: unknown) => {
      state.uidlist.settle(base);
      throw err;
    });
    files.push(file);
    bytes += size;
  }
  if (host.opts.fsync && files.length > 0) await fsyncDir(join(state.dir, 'cur'));
  const uids = await numberFiles(state, files);
  await host.quotaFile(to.user).add(bytes, entries.length);
  return uids;
}
