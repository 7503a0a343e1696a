/**
 * The entry points the command calls: survey, rehearse, run. Rehearsal = the same plan
 * applied to a scratch target (a temporary store unless --to names a non-production IMAP
 * server) with a scratch journal, then verified message by message; the real target and
 * the real journal are never touched.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import type { Directory } from '../directory/directory.js';
import { MailctlError } from '../errors.js';
import type { Store } from '../store/store.js';
import { parseFolderMap } from './names.js';
import { type RunEvent, type RunReport, runMigration } from './run.js';
import { buildJobs, type MigrateRequest } from './spec.js';
import { runSurvey, type SurveyReport } from './survey.js';
import { StoreTarget } from './targets/store.js';
import { parsePasswdFile } from './users.js';

export interface MigrateOptions extends MigrateRequest {
  rehearse: boolean;
  state?: string;
  parallel: number;
  folderMap: string[];
  maxBytesPerSecond?: number;
  maxMessageSize?: number;
  verify: boolean;
  /** Messages of one user whose listings are held from the start (see CopyOptions.listAhead). */
  listAhead?: number;
  /** Connections per user to the source and to the target: folders copied side by side. */
  connections?: number;
  createAccounts: boolean;
  passwdFile?: string;
  /** Rehearse only the first N users; the others are surveyed to project the real run. */
  sample?: number;
  retries?: number;
  retryDelayMs?: number;
  /** See RunOptions.allowNewSource. */
  allowNewSource?: boolean;
  logDir?: string;
  onEvent?: (e: RunEvent) => void;
  /** The operator's config (data dir, directory), loaded only when the local store is involved. */
  loadConfig: () => Promise<Config>;
}

interface Local {
  store: Store;
  directory: Directory;
  cleanup: () => Promise<void>;
}

async function openLocal(config: Config): Promise<Local> {
  const { openDirectory } = await import('../directory/open.js');
  const { openStore } = await import('../store/open.js');
  const directory = await openDirectory(config);
  const store = await openStore(config, directory);
  return { store, directory, cleanup: () => directory.close() };
}

async function scratchLocal(): Promise<Local & { dir: string }> {
  const { parseConfigText } = await import('../config/load.js');
  const dir = mkdtempSync(join(tmpdir(), 'mailctl-rehearsal-'));
  const config = parseConfigText(`data_dir = "${dir.replace(/\\/g, '/')}"\n`, join(dir, 'mailctl.toml'));
  const local = await openLocal(config);
  return {
    ...local,
    dir,
    cleanup: async () => {
      await local.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function migrate(opts: MigrateOptions): Promise<RunReport> {
  const folderMap = parseFolderMap(opts.folderMap);
  // The store (and with it the config and the directory) opens on first use: a re-run that
  // finds nothing changed at the source never touches it, and the source logins do not wait
  // for it. Loading config, directory and store modules costs ~0.2–0.4 s on a busy machine.
  let local: Promise<Local> | undefined;
  const getLocal = () => {
    local ??= opts.rehearse ? scratchLocal() : opts.loadConfig().then(openLocal);
    return local;
  };
  const built = buildJobs(
    opts,
    async (user) => new StoreTarget(user, async () => (await getLocal()).store, opts.maxMessageSize),
  );
  if (!built.jobs.length) throw new MailctlError('not-found', 'no users to migrate', { where: opts.from });
  const storeTarget = !built.target;
  let scratchJournal: string | undefined;
  try {
    if (opts.createAccounts && !opts.rehearse) {
      if (!storeTarget)
        throw new MailctlError('usage', '--create-accounts works with the local store target only');
      await createAccounts((await getLocal()).directory, built.jobs, opts.passwdFile);
    }
    let journalFile = opts.state;
    if (opts.rehearse) {
      scratchJournal = mkdtempSync(join(tmpdir(), 'mailctl-rehearsal-state-'));
      journalFile = join(scratchJournal, 'state.sqlite');
    }
    if (!journalFile) {
      const config = await opts.loadConfig();
      const { resolve } = await import('node:path');
      journalFile = join(resolve(config.baseDir, config.data_dir), 'migrate', 'state.sqlite');
    }
    const sample = opts.rehearse && opts.sample ? built.jobs.slice(0, opts.sample) : built.jobs;
    const report = await runMigration({
      mode: opts.rehearse ? 'rehearse' : 'run',
      targetLabel:
        opts.rehearse && storeTarget ? 'scratch store (temporary)' : (built.target?.label ?? 'local store'),
      jobs: sample,
      journalFile,
      parallel: opts.parallel,
      folderMap,
      maxBytesPerSecond: opts.maxBytesPerSecond,
      maxMessageSize: opts.maxMessageSize,
      listAhead: opts.listAhead,
      // Into the local store a second lane only added memory (peak RSS 137 → 163 MB on the
      // bench corpus) and no speed: that process is busy already. Into an IMAP server it
      // overlaps the server's per-connection fsyncs.
      connections: opts.connections ?? (built.target ? 2 : 1),
      verify: opts.rehearse || opts.verify,
      retries: opts.retries ?? 3,
      retryDelayMs: opts.retryDelayMs ?? 1000,
      allowNewSource: opts.allowNewSource,
      logDir: opts.logDir,
      onEvent: opts.onEvent,
    });
    if (opts.rehearse) report.projection = await project(report, built.jobs.slice(sample.length), opts);
    return report;
  } finally {
    await local?.then((l) => l.cleanup()).catch(() => undefined);
    if (scratchJournal) rmSync(scratchJournal, { recursive: true, force: true });
  }
}

/** Projected duration of the real run: the measured rate applied to every user's size. */
async function project(report: RunReport, rest: Parameters<typeof runSurvey>[1], opts: MigrateOptions) {
  const others = rest.length
    ? await runSurvey('', rest, { parallel: opts.parallel, maxMessageSize: 0 })
    : undefined;
  const messages = report.totals.sourceMessages + (others?.totals.messages ?? 0);
  const bytes = report.totals.sourceBytes + (others?.totals.bytes ?? 0);
  const rate = report.totals.sourceBytes > 0 ? report.totals.sourceBytes / report.seconds : 0;
  const mrate = report.totals.sourceMessages > 0 ? report.totals.sourceMessages / report.seconds : 0;
  const seconds = Math.max(rate ? bytes / rate : 0, mrate ? messages / mrate : 0);
  return {
    users: report.users.length + rest.length,
    messages,
    bytes,
    seconds,
    basis: `rate measured on ${report.users.length} of ${report.users.length + rest.length} users at --parallel ${opts.parallel} (including verification)`,
  };
}

async function createAccounts(
  directory: Directory,
  jobs: { sourceUser: string; targetUser: string }[],
  passwdFile?: string,
) {
  const hashes = passwdFile ? parsePasswdFile(readFileSync(passwdFile, 'utf8')) : new Map<string, string>();
  for (const j of jobs) {
    if (await directory.getAccount(j.targetUser)) continue;
    const domain = j.targetUser.split('@')[1];
    if (domain && !(await directory.isLocalDomain(domain))) await directory.addDomain(domain);
    const hash =
      hashes.get(j.sourceUser) ?? hashes.get(j.targetUser) ?? hashes.get(j.targetUser.split('@')[0]);
    await directory.addAccount({ address: j.targetUser, passwordHash: hash });
  }
}

export interface SurveyOptions extends MigrateRequest {
  parallel: number;
  maxMessageSize: number;
}

export async function survey(opts: SurveyOptions): Promise<SurveyReport> {
  const built = buildJobs({ ...opts, to: undefined, targetDomain: opts.targetDomain ?? 'survey.invalid' });
  return runSurvey(built.source.label, built.jobs, {
    parallel: opts.parallel,
    maxMessageSize: opts.maxMessageSize,
  });
}
