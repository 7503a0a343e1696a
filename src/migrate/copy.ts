/**
 * Copies one user: list every folder (metadata only), plan against the journal, then
 * stream the bodies across in source order, recording each batch in the journal. A
 * message the target refuses (quota, size, invalid) is listed with the reason and the
 * rest continue; a connection failure ends the user's attempt (the caller retries, and
 * the journal makes the retry idempotent).
 */
import { MailctlError } from '../errors.js';
import { sha256, toCrlf } from './hash.js';
import type { Journal, JournalRow } from './journal.js';
import { mapFolder } from './names.js';
import { addToPool, flagString, planFolder, takeFromPool } from './plan.js';
import type { Throttle } from './throttle.js';
import type { FolderListing, Source, SourceFolder, Target } from './types.js';

export interface FolderReport {
  source: string;
  target: string;
  note?: string;
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
  /** Record to the journal after this many messages (and at the end of each folder). */
  commitEvery?: number;
}

const PER_MESSAGE = new Set(['quota', 'too-large', 'invalid-input']);

export async function copyUser(source: Source, target: Target, opts: CopyOptions): Promise<CopiedFolder[]> {
  const specials = new Map<string, string>();
  for (const f of await target.folders())
    if (f.specialUse && !specials.has(f.specialUse)) specials.set(f.specialUse, f.name);
  const folders = (await source.folders()).sort((a, b) => a.path.length - b.path.length);
  const done: CopiedFolder[] = [];
  const mapped = new Map<SourceFolder, ReturnType<typeof mapFolder>>();
  for (const f of folders)
    mapped.set(
      f,
      mapFolder(f, { delimiter: target.delimiter, map: opts.folderMap, targetSpecial: specials }),
    );
  // list everything first: totals for progress/ETA, and a plan before any write
  const listings = new Map<SourceFolder, FolderListing>();
  const progress: Progress = { messages: 0, bytes: 0, totalMessages: 0, totalBytes: 0 };
  for (const f of folders) {
    const l = await source.list(f);
    listings.set(f, l);
    progress.totalMessages += l.messages.length;
    for (const m of l.messages) progress.totalBytes += m.size;
  }
  opts.progress?.(progress);
  for (const f of folders) {
    const m = mapped.get(f)!;
    const listing = listings.get(f)!;
    const report: FolderReport = {
      source: f.path.join('/'),
      target: m.name,
      note: [m.note, f.nameProblem].filter(Boolean).join('; ') || undefined,
      sourceMessages: listing.messages.length,
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
    done.push({ folder: f, targetName: m.name, listing, report });
    try {
      await target.ensureFolder(m.name, { specialUse: m.specialUse, subscribed: f.subscribed });
    } catch (e) {
      if (!(e instanceof MailctlError) || !PER_MESSAGE.has(e.code)) throw e;
      report.errors.push(`folder cannot be created on the target: ${e.message}`);
      continue;
    }
    if (!f.selectable) continue;
    await copyFolder(source, target, f, m.name, listing, report, opts, progress);
  }
  return done;
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
  }
  const plan = planFolder(listing, journal.messages(scope, f.raw));
  report.known = plan.known;
  report.goneFromSource = plan.goneFromSource;
  const pool = plan.rekeyPool;
  if (jf?.pending_from) {
    // a previous run died between APPEND and journal: adopt what it left, by content
    const known = new Set(journal.messages(scope, f.raw).map((r) => r.target_uid));
    for (const t of await target.scan(targetName, { fromUid: jf.pending_from, hash: true })) {
      if (!known.has(t.uid) && t.sha256) addToPool(pool, t.sha256, t.uid);
    }
  }
  for (const u of plan.flagUpdates) {
    await target.setFlags(targetName, u.uid, u.flags);
    report.flagsUpdated++;
  }
  if (plan.flagUpdates.length) {
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
  if (!plan.copy.length) {
    journal.setFolder(scope, f.raw, {
      validity: listing.validity,
      target_folder: targetName,
      target_validity: state.uidValidity,
      pending_from: null,
    });
    journal.forgetValidity(scope, f.raw, listing.validity);
    return;
  }
  journal.setFolder(scope, f.raw, {
    validity: listing.validity,
    target_folder: targetName,
    target_validity: state.uidValidity,
    pending_from: jf?.pending_from ?? state.uidNext,
  });
  const meta = new Map(plan.copy.map((m) => [m.key, m]));
  let rows: JournalRow[] = [];
  const commit = () => {
    if (rows.length) journal.record(scope, f.raw, listing.validity, rows);
    rows = [];
  };
  for await (const msg of source.fetch(
    f,
    plan.copy.map((m) => m.key),
  )) {
    const m = meta.get(msg.key);
    if (!m) continue;
    const body = toCrlf(msg.body);
    const sha = sha256(body);
    progress.messages++;
    progress.bytes += m.size;
    const adopted = takeFromPool(pool, sha);
    if (adopted !== undefined) {
      await target.setFlags(targetName, adopted, m.flags);
      rows.push({
        key: m.key,
        sha256: sha,
        size: body.length,
        flags: flagString(m.flags),
        idate: m.internalDate.getTime(),
        target_uid: adopted,
      });
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
    try {
      const { uid } = await target.append(targetName, body, m.flags, m.internalDate);
      rows.push({
        key: m.key,
        sha256: sha,
        size: body.length,
        flags: flagString(m.flags),
        idate: m.internalDate.getTime(),
        target_uid: uid,
      });
      report.copied++;
      report.copiedBytes += body.length;
    } catch (e) {
      if (!(e instanceof MailctlError) || !PER_MESSAGE.has(e.code)) {
        commit();
        throw e;
      }
      report.errors.push(`${describe(m.key, m.internalDate)}: ${e.message}`);
    }
    if (rows.length >= (opts.commitEvery ?? 200)) commit();
    opts.progress?.(progress);
  }
  commit();
  const missing = plan.copy.length - report.copied - report.adopted - report.errors.length;
  if (missing > 0) report.problems.push(`${missing} message(s) disappeared from the source during the run`);
  journal.setFolder(scope, f.raw, {
    validity: listing.validity,
    target_folder: targetName,
    target_validity: state.uidValidity,
    pending_from: null,
  });
  journal.forgetValidity(scope, f.raw, listing.validity);
  opts.progress?.(progress);
}

function describe(key: string, date: Date): string {
  const k = key.length > 24 ? `${key.slice(0, 12)}…` : key;
  return `message ${k} (${date.toISOString().slice(0, 10)})`;
}
