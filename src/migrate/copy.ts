/**
 * Copies one user: list every folder (metadata only), plan against the journal, then
 * stream the bodies across in source order in batches (several in flight), recording each
 * stored batch in the journal. A folder whose source summary (STATUS) equals the one
 * recorded after the last clean copy is skipped without listing. A message the target
 * refuses (quota, size, invalid) is listed with the reason and the rest continue; a
 * connection failure ends the user's attempt (the caller retries, and the journal makes
 * the retry idempotent).
 */
import { createHash } from 'node:crypto';
import { isMailctlError, MailctlError } from '../errors.js';
import { toCrlf } from './hash.js';
import type { Journal, JournalRow } from './journal.js';
import { mapFolder } from './names.js';
import { addToPool, flagString, planFolder, takeFromPool } from './plan.js';
import { type Listed, layoutOf, listOrSkip, stillThere } from './skip.js';
import type { Throttle } from './throttle.js';
import type {
  AppendItem,
  AppendResult,
  FolderListing,
  FolderStatus,
  Source,
  SourceFolder,
  SourceMessage,
  Target,
} from './types.js';
import { releaseBody } from './wire/pool.js';

export interface FolderReport {
  source: string;
  target: string;
  note?: string;
  /** How the source was read: every message, only changes (CONDSTORE), or skipped (STATUS unchanged). */
  listed: 'full' | 'changes' | 'skipped';
  sourceMessages: number;
  sourceBytes: number;
  known: number;
  copied: number;
  copiedBytes: number;
  adopted: number;
  flagsUpdated: number;
  goneFromSource: number;
  errors: string[];
  problems: string[];
}

export interface CopiedFolder {
  folder: SourceFolder;
  targetName: string;
  listing: FolderListing;
  report: FolderReport;
}

export interface Progress {
  messages: number;
  bytes: number;
  totalMessages: number;
  totalBytes: number;
}

export interface CopyOptions {
  scope: string;
  journal: Journal;
  folderMap: Map<string, string>;
  throttle?: Throttle;
  maxMessageSize?: number;
  progress?: (p: Progress) => void;
  /** List every folder in full even when its summary is unchanged (verification needs it). */
  fullList?: boolean;
  /** A batch closes at this many bytes or messages; this many batches are in flight. */
  batchBytes?: number;
  batchMessages?: number;
  inFlight?: number;
  /**
   * Listings held from the start (for totals and planning) up to this many messages per
   * user; folders past it are listed again just before they are copied, and every listing
   * is dropped once its folder is copied. Keeps memory flat for a 200,000-message mailbox
   * (the whole listing was ~27 MB of heap there). Not applied when verifying (fullList).
   */
  listAhead?: number;
  /**
   * Folders copied side by side, each over its own source and target connection (`openLane`
   * gives the extra ones, opened only when at least two folders have work). A server
   * stores one connection's messages one after another, so a user with one connection is
   * bound by one fsync at a time on an IMAP target.
   */
  lanes?: number;
  openLane?: () => Promise<Lane>;
}

/** A source and a target connection of one user, copying one folder at a time. */
export interface Lane {
  source: Source;
  target: Target;
  close(): Promise<void>;
}

const LIST_AHEAD = 50_000;

const PER_MESSAGE = new Set(['quota', 'too-large', 'invalid-input']);

export async function copyUser(source: Source, target: Target, opts: CopyOptions): Promise<CopiedFolder[]> {
  const folders = (await source.folders()).sort((a, b) => a.path.length - b.path.length);
  // list everything first: totals for progress/ETA, and a plan before any write
  const listings = new Map<SourceFolder, Listed>();
  const progress: Progress = { messages: 0, bytes: 0, totalMessages: 0, totalBytes: 0 };
  // every folder's STATUS at once (pipelined): a no-change re-run is mostly this
  const states = new Map<SourceFolder, FolderStatus | undefined>();
  if (source.status && !opts.fullList)
    await Promise.all(
      folders.filter((f) => f.selectable).map(async (f) => states.set(f, await source.status!(f))),
    );
  let held = 0;
  for (const f of folders) {
    const l = await listOrSkip(source, f, states.get(f), opts);
    progress.totalMessages += l.messages.length;
    for (const m of l.messages) progress.totalBytes += m.size;
    const defer =
      !opts.fullList &&
      !l.partial &&
      !l.unchanged &&
      held + l.messages.length > (opts.listAhead ?? LIST_AHEAD);
    if (defer) listings.set(f, { ...l, messages: [], deferred: true });
    else {
      held += l.messages.length;
      listings.set(f, l);
    }
  }
  opts.progress?.(progress);
  const layout = layoutOf(folders, opts, target);
  const quiet = folders.every((f) => !f.selectable || listings.get(f)!.unchanged);
  if (quiet && !opts.fullList && opts.journal.layout(opts.scope) === layout) {
    const done = fromJournal(folders, listings, target, opts);
    if (done) return done;
  }
  const specials = new Map<string, string>();
  const targetFolders = await target.folders();
  for (const f of targetFolders)
    if (f.specialUse && !specials.has(f.specialUse)) specials.set(f.specialUse, f.name);
  const existing = new Set(targetFolders.map((f) => f.name));
  const done: CopiedFolder[] = [];
  // in folder order: every target folder exists (parents first) before any copy starts
  const work: { f: SourceFolder; m: ReturnType<typeof mapFolder>; entry: CopiedFolder; deferred: boolean }[] =
    [];
  for (const f of folders) {
    const m = mapFolder(f, { delimiter: target.delimiter, map: opts.folderMap, targetSpecial: specials });
    let listing = listings.get(f)!;
    const report = newReport(f, m, listing);
    const entry: CopiedFolder = { folder: f, targetName: m.name, listing, report };
    done.push(entry);
    try {
      if (!existing.has(m.name))
        await target.ensureFolder(m.name, { specialUse: m.specialUse, subscribed: f.subscribed });
    } catch (e) {
      if (!(e instanceof MailctlError) || !PER_MESSAGE.has(e.code)) throw e;
      report.errors.push(`folder cannot be created on the target: ${e.message}`);
      continue;
    }
    if (!f.selectable) continue;
    if (listing.unchanged) {
      if (existing.has(m.name) && stillThere(f, m.name, listing, report, opts)) continue;
      // the target folder is gone or remapped: list in full and copy what is missing
      listing = await source.list(f);
      entry.listing = listing;
      Object.assign(report, newReport(f, m, listing));
    }
    work.push({ f, m, entry, deferred: Boolean((listing as Listed).deferred) });
  }
  await runLanes({ source, target, close: async () => undefined }, work, opts, async (lane, w) => {
    const { f, entry } = w;
    if (w.deferred) {
      // listed again right before its copy (listAhead): the report counts the fresh listing
      entry.listing = await lane.source.list(f);
      Object.assign(entry.report, newReport(f, w.m, entry.listing));
    }
    await copyFolder(
      lane.source,
      lane.target,
      f,
      entry.targetName,
      entry.listing,
      entry.report,
      opts,
      progress,
    );
    if (!opts.fullList) {
      // only verification reads the entries after the copy
      entry.listing = { ...entry.listing, messages: [] };
      listings.delete(f);
    }
  });
  if (done.every((d) => !d.report.errors.length)) opts.journal.setLayout(opts.scope, layout);
  return done;
}

/**
 * Runs `copy` for every work item, in order, over `first` and up to `opts.lanes - 1` more
 * lanes opened on demand. A lane that fails to open is left out (the others carry on); a
 * failing copy stops every lane from taking more work, and the first error is thrown once
 * all lanes have stopped.
 */
async function runLanes<W>(
  first: Lane,
  work: W[],
  opts: CopyOptions,
  copy: (lane: Lane, w: W) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const drive = async (lane: Lane) => {
    while (!failure && next < work.length) {
      const w = work[next++];
      try {
        await copy(lane, w);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  const extra = opts.openLane && work.length > 1 ? Math.min((opts.lanes ?? 1) - 1, work.length - 1) : 0;
  const opened: Lane[] = [];
  const more = Array.from({ length: Math.max(0, extra) }, async () => {
    let lane: Lane | undefined;
    try {
      lane = await opts.openLane!();
      // a source learns its folders' wire names from its own LIST, as the first one did
      await lane.source.folders();
    } catch {
      // e.g. the server's limit of connections per user: fewer lanes, same result
      await lane?.close().catch(() => undefined);
      return;
    }
    opened.push(lane);
    await drive(lane);
  });
  try {
    await Promise.all([drive(first), ...more]);
  } finally {
    await Promise.all(opened.map((l) => l.close().catch(() => undefined)));
  }
  if (failure) throw failure.error;
}

/** Every folder unchanged and the layout as last time: the report comes from the journal alone. */
function fromJournal(
  folders: readonly SourceFolder[],
  listings: Map<SourceFolder, Listed>,
  target: Target,
  opts: CopyOptions,
): CopiedFolder[] | undefined {
  const done: CopiedFolder[] = [];
  for (const f of folders) {
    const listing = listings.get(f)!;
    const m = mapFolder(f, { delimiter: target.delimiter, map: opts.folderMap, targetSpecial: new Map() });
    const name = f.selectable ? opts.journal.folder(opts.scope, f.raw)?.target_folder : m.name;
    if (name === undefined) return undefined;
    const report = newReport(f, { ...m, name }, listing);
    if (f.selectable && !stillThere(f, name, listing, report, opts)) return undefined;
    done.push({ folder: f, targetName: name, listing, report });
  }
  return done;
}

function newReport(f: SourceFolder, m: ReturnType<typeof mapFolder>, listing: FolderListing): FolderReport {
  return {
    source: f.path.join('/'),
    target: m.name,
    note: [m.note, f.nameProblem].filter(Boolean).join('; ') || undefined,
    listed: (listing as Listed).unchanged ? 'skipped' : listing.partial ? 'changes' : 'full',
    sourceMessages: listing.partial ? (listing.state?.messages ?? 0) : listing.messages.length,
    sourceBytes: listing.messages.reduce((a, x) => a + x.size, 0),
    known: 0,
    copied: 0,
    copiedBytes: 0,
    adopted: 0,
    flagsUpdated: 0,
    goneFromSource: 0,
    errors: [],
    problems: [...listing.problems],
  };
}

async function copyFolder(
  source: Source,
  target: Target,
  f: SourceFolder,
  targetName: string,
  listing: FolderListing,
  report: FolderReport,
  opts: CopyOptions,
  progress: Progress,
): Promise<void> {
  const { journal, scope } = opts;
  const state = await target.state(targetName);
  let jf = journal.folder(scope, f.raw);
  if (jf && (jf.target_validity !== state.uidValidity || jf.target_folder !== targetName)) {
    // the target folder was recreated or remapped: old rows point at nothing
    report.problems.push(`target folder ${targetName} changed identity since the last run; copying again`);
    journal.forgetValidity(scope, f.raw, '\0none');
    jf = undefined;
    if (listing.partial) {
      listing = await source.list(f);
      Object.assign(report, { sourceMessages: listing.messages.length });
    }
  }
  // a partial listing (the changes since last time) needs only the rows of what it lists
  const rows0 = listing.partial
    ? journal.messagesFor(
        scope,
        f.raw,
        listing.validity,
        listing.messages.map((m) => m.key),
      )
    : journal.messages(scope, f.raw);
  const plan = planFolder(
    listing,
    rows0,
    listing.partial ? journal.counts(scope, f.raw, listing.validity).messages : undefined,
  );
  report.known = plan.known;
  report.goneFromSource = plan.goneFromSource;
  if (listing.partial) {
    const c = journal.counts(scope, f.raw, listing.validity);
    report.sourceBytes = c.bytes + plan.copy.reduce((a, x) => a + x.size, 0);
  }
  const pool = plan.rekeyPool;
  if (jf?.pending_from) {
    // a previous run died between APPEND and journal: adopt what it left, by content
    const known = new Set(
      listing.partial
        ? journal.targetUidsFrom(scope, f.raw, jf.pending_from)
        : rows0.map((r) => r.target_uid),
    );
    const left = (await target.scan(targetName, { fromUid: jf.pending_from })).filter(
      (t) => !known.has(t.uid),
    );
    if (left.length) {
      const hashUids = new Set(left.map((t) => t.uid));
      for (const t of await target.scan(targetName, { fromUid: jf.pending_from, hash: true, hashUids }))
        if (hashUids.has(t.uid) && t.sha256) addToPool(pool, t.sha256, t.uid);
    }
  }
  if (plan.flagUpdates.length) {
    if (target.setFlagsMany) await target.setFlagsMany(targetName, plan.flagUpdates);
    else for (const u of plan.flagUpdates) await target.setFlags(targetName, u.uid, u.flags);
    report.flagsUpdated += plan.flagUpdates.length;
    journal.updateFlags(
      scope,
      f.raw,
      listing.validity,
      plan.flagUpdates.map((u) => ({ key: u.key, flags: flagString(u.flags) })),
    );
  }
  progress.messages += plan.known;
  progress.bytes +=
    listing.messages.reduce((a, x) => a + x.size, 0) - plan.copy.reduce((a, x) => a + x.size, 0);
  const base = { validity: listing.validity, target_folder: targetName, target_validity: state.uidValidity };
  if (plan.copy.length) {
    journal.setFolder(scope, f.raw, { ...base, pending_from: jf?.pending_from ?? state.uidNext });
    await streamFolder(source, target, f, targetName, listing, plan.copy, pool, report, opts, progress);
  }
  const missing = plan.copy.length - report.copied - report.adopted - report.errors.length;
  if (missing > 0) report.problems.push(`${missing} message(s) disappeared from the source during the run`);
  // only a folder copied without a gap may be skipped by its summary next time
  const clean = !report.errors.length && missing <= 0 && listing.state;
  journal.setFolder(scope, f.raw, {
    ...base,
    pending_from: null,
    src_state: clean ? JSON.stringify(listing.state) : null,
  });
  journal.forgetValidity(scope, f.raw, listing.validity);
  opts.progress?.(progress);
}

interface Pending {
  m: SourceMessage;
  /** Known before the copy only when a resumed folder needed it to adopt (see streamFolder). */
  sha?: string;
  item: AppendItem;
}

/**
 * Bodies stream from the source into batches; up to `inFlight` batches are being stored
 * at once while the next one fills. Each stored batch is recorded in one transaction.
 */
async function streamFolder(
  source: Source,
  target: Target,
  f: SourceFolder,
  targetName: string,
  listing: FolderListing,
  copy: readonly SourceMessage[],
  pool: Map<string, number[]>,
  report: FolderReport,
  opts: CopyOptions,
  progress: Progress,
): Promise<void> {
  const { journal, scope } = opts;
  // Measured on the 531 MB bench corpus, 4 users at once: 512 KB × 2 in flight stores as
  // fast as 1 MB × 3 and keeps ~20 MB less in memory.
  const maxBytes = opts.batchBytes ?? 512 << 10;
  const maxCount = opts.batchMessages ?? 50;
  const maxInFlight = opts.inFlight ?? 2;
  const meta = new InOrder(copy);
  const inflight: Promise<void>[] = [];
  let batch: Pending[] = [];
  let batchBytes = 0;
  let adoptedRows: JournalRow[] = [];
  const rowOf = (p: Pending, sha: string, uid: number, size: number): JournalRow => ({
    key: p.m.key,
    sha256: sha,
    size,
    flags: flagString(p.m.flags),
    idate: p.m.internalDate.getTime(),
    target_uid: uid,
  });
  const store = async (items: Pending[], adopted: JournalRow[]) => {
    const results: AppendResult[] = target.appendBatch
      ? await target.appendBatch(
          targetName,
          items.map((p) => p.item),
        )
      : await appendOneByOne(target, targetName, items);
    const rows = [...adopted];
    let fatal: unknown;
    results.forEach((r, i) => {
      const p = items[i];
      if ('uid' in r) {
        const sha = r.sha256 ?? p.sha ?? createHash('sha256').update(p.item.body).digest('hex');
        rows.push(rowOf(p, sha, r.uid, p.item.body.length));
        report.copied++;
        report.copiedBytes += p.item.body.length;
        // stored: the target holds no reference any more (a refused one is left to the GC)
        releaseBody(p.item.body);
        return;
      }
      const e = r.error;
      if (!isMailctlError(e) || !PER_MESSAGE.has(e.code)) fatal ??= e;
      else report.errors.push(`${describe(p.m.key, p.m.internalDate)}: ${e.message}`);
    });
    // what was stored is recorded even when a message after it failed the connection
    if (rows.length) journal.record(scope, f.raw, listing.validity, rows);
    if (fatal) throw fatal;
    opts.progress?.(progress);
  };
  const flush = async () => {
    if (!batch.length && !adoptedRows.length) return;
    const p = store(batch, adoptedRows);
    p.catch(() => undefined);
    inflight.push(p);
    batch = [];
    batchBytes = 0;
    adoptedRows = [];
    while (inflight.length > maxInFlight) await inflight.shift();
  };
  let broken: { error: unknown } | undefined;
  try {
    for await (const msg of source.fetch(f, copy)) {
      const m = meta.take(msg.key);
      if (!m) continue;
      const body = toCrlf(msg.body);
      if (body !== msg.body) releaseBody(msg.body);
      progress.messages++;
      progress.bytes += m.size;
      // The content hash is needed now only to adopt what a killed run stored; otherwise it
      // comes with the append (the local store computes it on its writer thread, 0.4 s of
      // this thread in a 10,404-message run) or is computed once the batch is stored.
      const sha = pool.size > 0 ? createHash('sha256').update(body).digest('hex') : undefined;
      const adopted = sha === undefined ? undefined : takeFromPool(pool, sha);
      if (sha !== undefined && adopted !== undefined) {
        await target.setFlags(targetName, adopted, m.flags);
        adoptedRows.push(
          rowOf(
            { m, sha, item: { body, flags: m.flags, internalDate: m.internalDate } },
            sha,
            adopted,
            body.length,
          ),
        );
        report.adopted++;
        continue;
      }
      if (opts.maxMessageSize && body.length > opts.maxMessageSize) {
        report.errors.push(
          `${describe(m.key, m.internalDate)}: ${body.length} bytes is over the target's limit of ${opts.maxMessageSize}; not copied`,
        );
        continue;
      }
      await opts.throttle?.take(body.length);
      if (batch.length && (batchBytes + body.length > maxBytes || batch.length >= maxCount)) await flush();
      batch.push({ m, sha, item: { body, flags: m.flags, internalDate: m.internalDate } });
      batchBytes += body.length;
    }
    await flush();
  } catch (e) {
    broken = { error: e };
  }
  // whatever happened, what was stored gets recorded before we give up
  const settled = await Promise.allSettled(inflight.splice(0));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (broken) throw broken.error;
}

/**
 * The listed message of each fetched key, each handed out once. Sources yield in the order
 * asked, so a cursor does; a Map of every key (3.5 MB for a 109,000-message folder) is
 * built only for what arrives out of order.
 */
export class InOrder {
  private next = 0;
  /** Passed over by the cursor, still expected (a source may send them later). */
  private readonly skipped = new Map<string, SourceMessage>();

  constructor(
    private readonly list: readonly SourceMessage[],
    private readonly lookAhead = 1000,
  ) {}

  take(key: string): SourceMessage | undefined {
    const { list } = this;
    if (this.next < list.length && list[this.next].key === key) return list[this.next++];
    const early = this.fromSkipped(key);
    if (early) return early;
    const end = Math.min(list.length, this.next + this.lookAhead);
    let at = this.next;
    while (at < end && list[at].key !== key) at++;
    if (at === end) {
      if (end === list.length) return undefined; // not listed, or handed out already
      // far from the cursor: everything left becomes a lookup
      while (this.next < list.length) this.skip();
      return this.fromSkipped(key);
    }
    while (this.next < at) this.skip();
    return list[this.next++];
  }

  private fromSkipped(key: string): SourceMessage | undefined {
    const m = this.skipped.get(key);
    if (m) this.skipped.delete(key);
    return m;
  }

  private skip(): void {
    const m = this.list[this.next++];
    this.skipped.set(m.key, m);
  }
}

async function appendOneByOne(
  target: Target,
  folder: string,
  items: readonly Pending[],
): Promise<AppendResult[]> {
  const out: AppendResult[] = [];
  for (const p of items) {
    try {
      out.push(await target.append(folder, p.item.body, p.item.flags, p.item.internalDate));
    } catch (e) {
      if (!isMailctlError(e) || !PER_MESSAGE.has(e.code)) throw e;
      out.push({ error: e });
    }
  }
  return out;
}

function describe(key: string, date: Date): string {
  const k = key.length > 24 ? `${key.slice(0, 12)}…` : key;
  return `message ${k} (${date.toISOString().slice(0, 10)})`;
}
