/**
 * Runs the migration for a list of users: N at once, each retried with backoff on
 * transient failures (the journal makes a retry idempotent), a failing user never stopping
 * the others, optional message-by-message verification, and a report with throughput and
 * the projected duration of the whole list.
 */

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMailctlError, MailctlError } from '../errors.js';
import { type CopiedFolder, copyUser, type FolderReport, type Lane, type Progress } from './copy.js';
import { Journal } from './journal.js';
import { describeScopeSource } from './scope.js';
import { Throttle } from './throttle.js';
import type { Source, Target } from './types.js';
import { compareFolder, type FolderVerification, isClean } from './verify.js';

export interface UserJob {
  sourceUser: string;
  targetUser: string;
  /** Journal scope: identifies source and target so one state file can serve several runs. */
  scope: string;
  openSource(): Promise<Source>;
  openTarget(): Promise<Target>;
}

export interface UserReport {
  sourceUser: string;
  targetUser: string;
  status: 'ok' | 'errors' | 'failed';
  error?: { code: string; message: string; where?: string; hint?: string };
  attempts: number;
  seconds: number;
  sourceMessages: number;
  sourceBytes: number;
  copied: number;
  copiedBytes: number;
  folders: (FolderReport & { verify?: FolderVerification })[];
}

export interface RunReport {
  mode: 'rehearse' | 'run';
  target: string;
  startedAt: string;
  seconds: number;
  users: UserReport[];
  totals: {
    users: number;
    failed: number;
    sourceMessages: number;
    sourceBytes: number;
    copied: number;
    copiedBytes: number;
  };
  throughput: { messagesPerSecond: number; bytesPerSecond: number };
  verified: boolean;
  clean: boolean;
  projection?: { users: number; messages: number; bytes: number; seconds: number; basis: string };
}

export type RunEvent =
  | { type: 'start'; user: string }
  | { type: 'progress'; user: string; progress: Progress }
  | { type: 'retry'; user: string; attempt: number; error: string }
  | { type: 'done'; user: string; report: UserReport };

export interface RunOptions {
  mode: 'rehearse' | 'run';
  targetLabel: string;
  jobs: UserJob[];
  journalFile: string;
  parallel: number;
  folderMap: Map<string, string>;
  maxBytesPerSecond?: number;
  maxMessageSize?: number;
  listAhead?: number;
  /** Connections per user (CopyOptions.lanes); 1 when not given. */
  connections?: number;
  verify: boolean;
  retries: number;
  retryDelayMs: number;
  /**
   * Copy into a target user whose journal holds runs from another source address only. By
   * default such a user fails: the same server under another name or port is a new journal
   * scope, and every message would be copied a second time.
   */
  allowNewSource?: boolean;
  logDir?: string;
  onEvent?: (e: RunEvent) => void;
}

const TRANSIENT = new Set(['unreachable', 'storage']);

export async function runMigration(opts: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const journal = new Journal(opts.journalFile);
  const throttle = opts.maxBytesPerSecond ? new Throttle(opts.maxBytesPerSecond) : undefined;
  if (opts.logDir) mkdirSync(opts.logDir, { recursive: true });
  const reports: UserReport[] = new Array(opts.jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < opts.jobs.length) {
      const i = next++;
      reports[i] = await migrateUser(opts.jobs[i], opts, journal, throttle);
      opts.onEvent?.({ type: 'done', user: opts.jobs[i].sourceUser, report: reports[i] });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, opts.jobs.length)) }, worker));
  } finally {
    journal.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const totals = {
    users: reports.length,
    failed: reports.filter((r) => r.status === 'failed').length,
    sourceMessages: sum(reports, (r) => r.sourceMessages),
    sourceBytes: sum(reports, (r) => r.sourceBytes),
    copied: sum(reports, (r) => r.copied),
    copiedBytes: sum(reports, (r) => r.copiedBytes),
  };
  const clean = reports.every(
    (r) =>
      r.status === 'ok' && r.folders.every((f) => f.errors.length === 0 && (!f.verify || isClean(f.verify))),
  );
  return {
    mode: opts.mode,
    target: opts.targetLabel,
    startedAt: new Date(started).toISOString(),
    seconds,
    users: reports,
    totals,
    throughput: {
      messagesPerSecond: seconds > 0 ? totals.copied / seconds : 0,
      bytesPerSecond: seconds > 0 ? totals.copiedBytes / seconds : 0,
    },
    verified: opts.verify,
    clean,
  };
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((a, x) => a + f(x), 0);
}

async function migrateUser(
  job: UserJob,
  opts: RunOptions,
  journal: Journal,
  throttle?: Throttle,
): Promise<UserReport> {
  const started = Date.now();
  const log = (line: string) => {
    if (opts.logDir)
      appendFileSync(
        join(opts.logDir, `${job.sourceUser.replace(/[^\w.@-]/g, '_')}.log`),
        `${new Date().toISOString()} ${line}\n`,
      );
  };
  const report: UserReport = {
    sourceUser: job.sourceUser,
    targetUser: job.targetUser,
    status: 'ok',
    attempts: 0,
    seconds: 0,
    sourceMessages: 0,
    sourceBytes: 0,
    copied: 0,
    copiedBytes: 0,
    folders: [],
  };
  opts.onEvent?.({ type: 'start', user: job.sourceUser });
  log(`start ${job.sourceUser} -> ${job.targetUser}`);
  const others = opts.allowNewSource ? [] : journal.otherSources(job.scope);
  if (others.length) {
    const err = newSourceError(job, others);
    log(`refused: ${err.message}`);
    report.status = 'failed';
    report.error = { code: err.code, message: err.message, where: err.where, hint: err.hint };
  }
  while (!report.error) {
    report.attempts++;
    let source: Source | undefined;
    let target: Target | undefined;
    try {
      // both logins at once: on a re-run with nothing to copy they are most of the time
      const [s, t] = await Promise.allSettled([job.openSource(), job.openTarget()]);
      source = s.status === 'fulfilled' ? s.value : undefined;
      target = t.status === 'fulfilled' ? t.value : undefined;
      if (s.status === 'rejected') throw s.reason;
      if (t.status === 'rejected') throw t.reason;
      if (!source || !target) throw new MailctlError('bug', 'source or target missing');
      const done = await copyUser(source, target, {
        scope: job.scope,
        journal,
        folderMap: opts.folderMap,
        throttle,
        maxMessageSize: opts.maxMessageSize,
        listAhead: opts.listAhead,
        lanes: opts.connections,
        openLane: () => openLane(job),
        fullList: opts.verify,
        progress: (p) => opts.onEvent?.({ type: 'progress', user: job.sourceUser, progress: { ...p } }),
      });
      if (opts.verify) await verifyFolders(done, target, journal, job.scope);
      fill(report, done);
      for (const f of report.folders) for (const e of [...f.errors, ...f.problems]) log(`${f.source}: ${e}`);
      if (report.folders.some((f) => f.errors.length)) report.status = 'errors';
      break;
    } catch (e) {
      const err = isMailctlError(e) ? e : new MailctlError('bug', e instanceof Error ? e.message : String(e));
      log(
        `attempt ${report.attempts} failed: ${err.code}: ${err.message}${err.where ? ` (${err.where})` : ''}`,
      );
      if (TRANSIENT.has(err.code) && report.attempts <= opts.retries) {
        opts.onEvent?.({ type: 'retry', user: job.sourceUser, attempt: report.attempts, error: err.message });
        await new Promise((r) => setTimeout(r, opts.retryDelayMs * 2 ** (report.attempts - 1)));
        continue;
      }
      report.status = 'failed';
      report.error = { code: err.code, message: err.message, where: err.where, hint: err.hint };
      break;
    } finally {
      await source?.close().catch(() => undefined);
      await target?.close().catch(() => undefined);
    }
  }
  report.seconds = (Date.now() - started) / 1000;
  log(`end ${report.status} copied=${report.copied} bytes=${report.copiedBytes} seconds=${report.seconds}`);
  return report;
}

/** One more source and target connection for the user (CopyOptions.openLane). */
async function openLane(job: UserJob): Promise<Lane> {
  const [s, t] = await Promise.allSettled([job.openSource(), job.openTarget()]);
  if (s.status === 'rejected' || t.status === 'rejected') {
    if (s.status === 'fulfilled') await s.value.close().catch(() => undefined);
    if (t.status === 'fulfilled') await t.value.close().catch(() => undefined);
    throw s.status === 'rejected' ? s.reason : (t as PromiseRejectedResult).reason;
  }
  const source = s.value;
  const target = t.value;
  return {
    source,
    target,
    close: async () => {
      await Promise.allSettled([source.close(), target.close()]);
    },
  };
}

function fill(report: UserReport, done: CopiedFolder[]): void {
  report.folders = done.map((d) => d.report);
  report.sourceMessages = sum(done, (d) => d.report.sourceMessages);
  report.sourceBytes = sum(done, (d) => d.report.sourceBytes);
  report.copied = sum(done, (d) => d.report.copied);
  report.copiedBytes = sum(done, (d) => d.report.copiedBytes);
}

async function verifyFolders(
  done: CopiedFolder[],
  target: Target,
  journal: Journal,
  scope: string,
): Promise<void> {
  for (const d of done) {
    if (!d.folder.selectable || d.report.errors.some((e) => e.startsWith('folder cannot be created')))
      continue;
    const rows = journal.messages(scope, d.folder.raw).filter((r) => r.validity === d.listing.validity);
    const scanned = await target.scan(d.targetName, { hash: true });
    (d.report as FolderReport & { verify?: FolderVerification }).verify = compareFolder(
      d.listing.messages,
      rows,
      scanned,
    );
  }
}

/** The target user got mail from another source address before, and never from this one. */
function newSourceError(job: UserJob, others: readonly string[]): MailctlError {
  const from = others.map(describeScopeSource).join(', ');
  const here = describeScopeSource(job.scope);
  return new MailctlError(
    'exists',
    `${job.targetUser} already holds a migration from ${from}; this source (${here}) is new to the state file, so every message would be copied a second time`,
    {
      where: job.targetUser,
      hint: 'if it is the same server, give --from the address the earlier runs used; if it really is another server, add --allow-new-source',
    },
  );
}
