/**
 * Runs a bench and gathers everything the report needs: client-side latencies, the server's
 * CPU and memory when it is on this machine, an fsync probe, and the calibration profile.
 */
import { readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { MailctlError } from '../errors.js';
import type { SmtpRun } from '../sizing/calibrate.js';
import { type FsyncProbe, probeFsync } from './fsync.js';
import { benchImap, type ImapBenchOptions } from './imap.js';
import { writeProfile } from './profile.js';
import { findListeningPid, type ProcSample, sample, watch } from './server-proc.js';
import { benchSmtp, type SmtpBenchOptions } from './smtp.js';
import type { OpStats } from './stats.js';
import { isLoopback, type Target } from './wire.js';

export interface ServerUsage {
  pid: number;
  processes: number;
  cpuMs: number;
  /** CPU time over wall time (1.0 = one core busy). */
  cores: number;
  rssStart: number;
  rssPeak: number;
  rssEnd: number;
}

export interface CommonOptions {
  pid?: number;
  fsyncDir?: string;
  profile?: string;
}

export interface SmtpRunReport extends SmtpRun {
  bytesPerSec: number;
  stoppedBy: string;
  ops: OpStats[];
  errors: Record<string, number>;
  server?: ServerUsage;
}

export interface SmtpReport {
  kind: 'smtp';
  target: string;
  connections: number;
  runs: SmtpRunReport[];
  serverNote?: string;
  fsync?: FsyncProbe;
  profile?: string;
}

const targetText = (t: Target) => (t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);

/** The server's pid: --pid, or the local process listening on the target port. */
function serverPid(target: Target, pid?: number): { pid?: number; note?: string } {
  if (pid !== undefined) return { pid };
  if (!isLoopback(target.host))
    return { note: 'the server is not on this machine: no CPU or memory figures (give --pid if it is)' };
  const found = findListeningPid(target.port);
  return found ? { pid: found } : { note: `no visible process listens on port ${target.port}: give --pid` };
}

function usage(pid: number, w: ReturnType<typeof watch>): ServerUsage | undefined {
  const { first, last, peakRss } = w.stop();
  if (!first || !last) return undefined;
  const cpuMs = last.cpuMs - first.cpuMs;
  return {
    pid,
    processes: last.processes,
    cpuMs,
    cores: cpuMs / Math.max(1, last.at - first.at),
    rssStart: first.rss,
    rssPeak: peakRss,
    rssEnd: last.rss,
  };
}

export async function runSmtp(
  o: Omit<SmtpBenchOptions, 'size'> & { sizes: number[] } & CommonOptions,
): Promise<SmtpReport> {
  const { pid, note } = serverPid(o.target, o.pid);
  const runs: SmtpRunReport[] = [];
  for (const size of o.sizes) {
    const w = pid !== undefined ? watch(pid) : undefined;
    if (pid !== undefined && !w?.first) {
      throw new MailctlError('not-found', `process ${pid} does not exist`, { hint: 'check --pid' });
    }
    const r = await benchSmtp({ ...o, size });
    const server = pid !== undefined && w ? usage(pid, w) : undefined;
    runs.push({
      size,
      connections: o.connections,
      messages: r.sent,
      seconds: r.seconds,
      perSec: r.perSec,
      serverCpuMs: server && r.sent > 0 ? server.cpuMs / r.sent : undefined,
      bytesPerSec: r.bytesPerSec,
      stoppedBy: r.stoppedBy,
      ops: r.recorder.ops(),
      errors: r.recorder.errorsByReason,
      server,
    });
  }
  const report: SmtpReport = {
    kind: 'smtp',
    target: targetText(o.target),
    connections: o.connections,
    runs,
    serverNote: note,
  };
  if (pid !== undefined || o.fsyncDir) report.fsync = await probeFsync(o.fsyncDir ?? defaultFsyncDir(pid));
  if (o.profile) {
    await writeProfile(o.profile, {
      target: report.target,
      smtpRuns: runs.filter((r) => r.serverCpuMs !== undefined),
      fsyncMs: report.fsync?.medianMs,
      fsyncDir: report.fsync?.dir,
    });
    report.profile = o.profile;
  }
  return report;
}

/** The server's working directory is usually on its data disk; else the temp dir. */
function defaultFsyncDir(pid?: number): string {
  if (pid === undefined) return tmpdir();
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === '/' ? tmpdir() : cwd;
  } catch {
    return tmpdir();
  }
}

export interface ImapReport {
  kind: 'imap';
  target: string;
  users: number;
  loggedIn: number;
  seconds: number;
  opsPerSec: number;
  bytesFetched: number;
  ops: OpStats[];
  errors: Record<string, number>;
  server?: ServerUsage & { memPerConnection?: number };
  serverNote?: string;
  profile?: string;
}

export async function runImap(o: ImapBenchOptions & CommonOptions): Promise<ImapReport> {
  const { pid, note } = serverPid(o.target, o.pid);
  let w: ReturnType<typeof watch> | undefined;
  let connected: ProcSample | undefined;
  let connectedAt = 0;
  const r = await benchImap({
    ...o,
    // After seeding, before the simulated users connect: the baseline for memory per connection.
    onBeforeConnect: () => {
      if (pid !== undefined) w = watch(pid);
    },
    onAllConnected: () => {
      connectedAt = performance.now();
      if (pid !== undefined) connected = sample(pid);
    },
  });
  const before = w?.first;
  // Login (password hashing) leaves garbage that inflates RSS for a while: take the lowest
  // RSS seen while every user was connected, which is after the server's GC has run.
  const during = (w?.samples ?? []).filter((x) => x.at >= connectedAt && x.at <= connectedAt + o.durationMs);
  const low = Math.min(connected?.rss ?? Number.POSITIVE_INFINITY, ...during.map((x) => x.rss));
  const server = pid !== undefined && w ? usage(pid, w) : undefined;
  // No growth means GC noise exceeded what the connections cost: not measurable with this few users.
  const growth = before && Number.isFinite(low) && r.loggedIn > 0 ? (low - before.rss) / r.loggedIn : 0;
  const memPerConnection = growth > 0 ? growth : undefined;
  const report: ImapReport = {
    kind: 'imap',
    target: targetText(o.target),
    users: o.users,
    loggedIn: r.loggedIn,
    seconds: r.seconds,
    opsPerSec: r.opsPerSec,
    bytesFetched: r.bytesFetched,
    ops: r.recorder.ops(),
    errors: r.recorder.errorsByReason,
    server: server ? { ...server, memPerConnection } : undefined,
    serverNote: note,
  };
  if (o.profile) {
    await writeProfile(o.profile, { target: report.target, memPerConnection });
    report.profile = o.profile;
  }
  return report;
}
