/**
 * The sizing model: pure arithmetic from assumptions to a plan. No I/O, no clock.
 * Every formula is written once here; report.ts only formats.
 */

import { formatCount } from '../proto/units.js';
import { LIBUV_DEFAULT_POOL_SIZE } from '../thread-pool.js';
import type { Assumptions } from './assumptions.js';
import { type SizeDistribution, sizeDistribution } from './dist.js';
import { chooseTopology, type RoleNeed, type Topology } from './topology.js';

export interface YearRow {
  year: number;
  users: number;
  /** Messages kept in one IMAP user's mailbox. */
  messagesPerMailbox: number;
  mailboxes: number;
  index: number;
  junk: number;
  spool: number;
  archive: number;
  logs: number;
  /** Sum of the above: what the data occupies. */
  total: number;
  /** total × (1 + headroom): the usable capacity to provision. */
  provision: number;
  /** provision × redundancy: raw disk to buy. */
  raw: number;
  /** Mailboxes + archive + index, times the backup copies: capacity needed elsewhere. */
  backup: number;
  /** An IMAP mailbox would exceed the quota this year (it is capped). */
  quotaReached: boolean;
}

export interface Load {
  year: number;
  users: number;
  inboundPerDay: number;
  sentPerDay: number;
  inboundPerSec: number;
  submissionPerSec: number;
  smtpPerSec: number;
  deliveriesPerSec: number;
  fetchesPerSec: number;
  writeIops: number;
  readIops: number;
  iops: number;
  fsyncsPerSec: number;
  internetIn: number;
  internetOut: number;
  clientTraffic: number;
  smtpConnections: number;
  imapConnections: number;
  pop3Connections: number;
}

export interface Plan {
  inputs: Assumptions;
  size: SizeDistribution;
  /** CPU ms the daemon spends on one average message (excluding scanners). */
  messageCpuMs: number;
  years: YearRow[];
  now: Load;
  peak: Load;
  roles: { mx: RoleNeed; submission: RoleNeed; mailbox: RoleNeed };
  capacity: NodeCapacity;
  topology: Topology;
  warnings: string[];
}

export interface NodeCapacity {
  /** SMTP messages/s one node sustains at the target utilization, and what limits it. */
  smtpPerSec: number;
  limit: 'cpu' | 'iops' | 'fsync' | 'daemon process';
  cpuBound: number;
  /** mailctl serve is one Node.js process: its own work runs on one core. */
  processBound: number;
  iopsBound: number;
  fsyncBound: number;
}

/** libuv's thread pool as `serve` runs it: the fsyncs one Node process runs at once. */
export const FS_THREADS = LIBUV_DEFAULT_POOL_SIZE;
/** Days of recent mail whose index stays in the page cache (mailctl estimate: a month of active folders). */
export const HOT_INDEX_DAYS = 30;

/** Mail volume over [from, to] years when the daily rate grows by g a year (closed form of ∫ r(1+g)^t dt). */
function grownVolume(perDay: number, g: number, from: number, to: number): number {
  if (to <= from) return 0;
  if (g === 0) return perDay * 365 * (to - from);
  const k = Math.log(1 + g);
  return (perDay * 365 * ((1 + g) ** to - (1 + g) ** from)) / k;
}

export function usersAt(a: Assumptions, year: number): number {
  return Math.ceil(a.users * (1 + a.userGrowth) ** year);
}

export function storageAt(a: Assumptions, size: SizeDistribution, year: number): YearRow {
  const users = usersAt(a, year);
  const growth = (1 + a.mailGrowth) ** year;
  const perDisk = size.onDisk;
  const kept = Math.min(year, a.retentionYears);
  // Conservative: every user has the full retained history (newcomers counted as old-timers).
  let imapBytes = grownVolume((a.receivedPerDay + a.sentPerDay) * perDisk, a.mailGrowth, year - kept, year);
  if (year < a.retentionYears) imapBytes += a.existingPerUser;
  const quotaReached = a.quota > 0 && imapBytes > a.quota;
  if (quotaReached) imapBytes = a.quota;
  // POP3 downloads and deletes (the source): about a day of incoming mail waits on the server.
  const popBytes = a.receivedPerDay * growth * perDisk;
  const imapUsers = users * a.imapShare;
  const mailboxes = imapUsers * imapBytes + (users - imapUsers) * popBytes;
  const spamPerDay = (users * a.receivedPerDay * growth * a.spamShare) / (1 - a.spamShare);
  const junkMessages = spamPerDay * a.spamStoredShare * Math.min(a.junkDays, year * 365);
  const junk = junkMessages * perDisk;
  const index = (mailboxes / perDisk + junkMessages) * a.indexPerMessage;
  const sentPerDay = users * a.sentPerDay * growth;
  const spool = sentPerDay * (a.deferredShare * a.queueLifetimeDays + a.peakHourShare) * perDisk;
  const archive = a.archive
    ? users *
      grownVolume(
        (a.receivedPerDay + a.sentPerDay) * size.mean * a.archiveCompression,
        a.mailGrowth,
        year - Math.min(year, a.archiveYears),
        year,
      )
    : 0;
  const transactionsPerDay = (users * a.receivedPerDay * growth) / (1 - a.spamShare) + sentPerDay;
  const logs = transactionsPerDay * a.logPerMessage * Math.min(a.logDays, year * 365);
  const total = mailboxes + index + junk + spool + archive + logs;
  const provision = total * (1 + a.headroom);
  return {
    year,
    users,
    messagesPerMailbox: imapBytes / perDisk,
    mailboxes,
    index,
    junk,
    spool,
    archive,
    logs,
    total,
    provision,
    raw: provision * a.redundancy,
    backup: (mailboxes + index + archive) * a.backupCopies,
    quotaReached,
  };
}

export function loadAt(a: Assumptions, size: SizeDistribution, year: number): Load {
  const users = usersAt(a, year);
  const growth = (1 + a.mailGrowth) ** year;
  const peak = a.peakHourShare / 3600;
  const received = users * a.receivedPerDay * growth;
  const inboundPerDay = received / (1 - a.spamShare);
  const sentPerDay = users * a.sentPerDay * growth;
  const imapUsers = users * a.imapShare;
  const popUsers = users - imapUsers;
  const inboundPerSec = inboundPerDay * peak;
  const submissionPerSec = sentPerDay * peak;
  const spamKeptPerSec = (inboundPerDay - received) * a.spamStoredShare * peak;
  const sentCopiesPerSec = imapUsers * a.sentPerDay * growth * peak; // IMAP clients APPEND to Sent
  const deliveriesPerSec = received * peak + spamKeptPerSec + sentCopiesPerSec;
  const readsPerMessage = Math.max(1, size.mean / (128 * 1024)); // 128 KiB read-ahead
  const imapFetches = imapUsers * a.receivedPerDay * growth * a.devicesPerUser * peak;
  const popReads = popUsers * a.receivedPerDay * growth * peak;
  const fetchesPerSec = imapFetches + popReads;
  const archivePerSec = a.archive ? (received + sentPerDay) * peak : 0;
  const writeIops = deliveriesPerSec * a.iosPerDelivery + archivePerSec * 2 + submissionPerSec * 3 + popReads; // pop: unlink
  const readIops = fetchesPerSec * readsPerMessage;
  const online = a.onlineShare;
  return {
    year,
    users,
    inboundPerDay,
    sentPerDay,
    inboundPerSec,
    submissionPerSec,
    smtpPerSec: inboundPerSec + submissionPerSec,
    deliveriesPerSec,
    fetchesPerSec,
    writeIops,
    readIops,
    iops: writeIops + readIops,
    fsyncsPerSec: deliveriesPerSec * a.fsyncsPerDelivery + submissionPerSec * 2,
    internetIn: inboundPerSec * size.mean,
    internetOut: submissionPerSec * size.mean,
    clientTraffic: (fetchesPerSec + submissionPerSec + sentCopiesPerSec) * size.mean,
    smtpConnections: Math.ceil((inboundPerSec + submissionPerSec) * a.smtpSessionSeconds),
    imapConnections: Math.ceil(imapUsers * online * a.imapConnectionsPerUser),
    // A POP3 check lasts ~1 s plus the transfer; clients poll every N minutes.
    pop3Connections: Math.ceil(
      (popUsers * online * (1 + (a.receivedPerDay / 24) * 0.01)) / (a.pop3PollMinutes * 60),
    ),
  };
}

/** CPU ms the daemon spends on one message of `bytes` (receive, policy, deliver; no scanners). */
export function messageCpuMs(a: Pick<Assumptions, 'cpuMsPerMessage' | 'cpuMsPerKiB'>, bytes: number): number {
  return a.cpuMsPerMessage + (a.cpuMsPerKiB * bytes) / 1024;
}

/**
 * Closed-loop SMTP throughput of one daemon process with `connections` clients each sending
 * one message after another: limited by CPU (`cores` the process can use) or by the per-message
 * latency floor (CPU + fsyncs) times the number of clients. The calibration test checks this.
 */
export function predictSmtpRate(
  a: Pick<Assumptions, 'cpuMsPerMessage' | 'cpuMsPerKiB' | 'fsyncMs' | 'fsyncsPerDelivery'>,
  bytes: number,
  connections: number,
  cores: number,
): number {
  const cpu = messageCpuMs(a, bytes);
  const cpuBound = (cores * 1000) / cpu;
  const latencyBound = (connections * 1000) / (cpu + a.fsyncsPerDelivery * a.fsyncMs);
  const fsyncBound = (FS_THREADS * 1000) / (a.fsyncsPerDelivery * a.fsyncMs);
  return Math.min(cpuBound, latencyBound, fsyncBound);
}

function nodeCapacity(a: Assumptions, cpuMs: number): NodeCapacity {
  const cpuBound = (a.coresPerNode * a.targetUtilization * 1000) / (cpuMs + a.scanCpuMs);
  const iopsBound = (a.iopsPerNode * a.targetUtilization) / Math.max(1, a.iosPerDelivery);
  const fsyncBound =
    (FS_THREADS * 1000 * a.targetUtilization) / Math.max(1e-9, a.fsyncsPerDelivery * a.fsyncMs);
  const processBound = (1000 * a.targetUtilization) / cpuMs;
  const smtpPerSec = Math.min(cpuBound, iopsBound, fsyncBound, processBound);
  const limit =
    smtpPerSec === cpuBound
      ? 'cpu'
      : smtpPerSec === processBound
        ? 'daemon process'
        : smtpPerSec === iopsBound
          ? 'iops'
          : 'fsync';
  return { smtpPerSec, limit, cpuBound, processBound, iopsBound, fsyncBound };
}

function roles(a: Assumptions, l: Load, cpuMs: number): Plan['roles'] {
  const u = a.targetUtilization;
  const hotIndex =
    l.users * (a.receivedPerDay + a.sentPerDay) * HOT_INDEX_DAYS * a.indexPerMessage * a.onlineShare;
  const mxConns = Math.ceil(l.inboundPerSec * a.smtpSessionSeconds);
  const subConns = Math.ceil(l.submissionPerSec * a.smtpSessionSeconds);
  const mailboxConns = l.imapConnections + l.pop3Connections;
  return {
    mx: {
      cores: (l.inboundPerSec * (cpuMs + a.scanCpuMs)) / 1000 / u,
      ram: mxConns * a.memPerConnection,
      iops: (l.deliveriesPerSec * a.iosPerDelivery) / u,
      connections: mxConns,
      daemonCores: (l.inboundPerSec * cpuMs) / 1000 / u,
    },
    submission: {
      cores: (l.submissionPerSec * (cpuMs + a.scanCpuMs)) / 1000 / u,
      ram: subConns * a.memPerConnection,
      iops: (l.submissionPerSec * 3) / u,
      connections: subConns,
      daemonCores: (l.submissionPerSec * cpuMs) / 1000 / u,
    },
    mailbox: {
      cores: (l.fetchesPerSec * a.imapCpuMsPerFetch) / 1000 / u,
      ram: mailboxConns * a.memPerConnection + hotIndex,
      iops: l.readIops / u,
      connections: mailboxConns,
      daemonCores: (l.fetchesPerSec * a.imapCpuMsPerFetch) / 1000 / u,
    },
  };
}

export function plan(a: Assumptions, warnings: string[] = []): Plan {
  const size = sizeDistribution(a.messageSize, a.sizeSigma, a.blockSize);
  const years: YearRow[] = [];
  for (let y = 0; y <= Math.ceil(a.horizonYears); y++)
    years.push(storageAt(a, size, Math.min(y, a.horizonYears)));
  const now = loadAt(a, size, 0);
  const peak = loadAt(a, size, a.horizonYears);
  const cpuMs = messageCpuMs(a, a.messageSize);
  const need = roles(a, peak, cpuMs);
  const capacity = nodeCapacity(a, cpuMs);
  const topology = chooseTopology(a, need);
  return {
    inputs: a,
    size,
    messageCpuMs: cpuMs,
    years,
    now,
    peak,
    roles: need,
    capacity,
    topology,
    warnings: [...warnings, ...modelWarnings(a, years, peak, capacity)],
  };
}

/** Limits reached or results that deserve a second look. */
function modelWarnings(a: Assumptions, years: YearRow[], peak: Load, cap: NodeCapacity): string[] {
  const w: string[] = [];
  const end = years[years.length - 1];
  if (end.messagesPerMailbox > 100_000) {
    w.push(
      `about ${formatCount(end.messagesPerMailbox)} messages per mailbox by year ${end.year}: Maildir folders over ~100,000 files make every client resync and directory scan slow; set --retention or --quota, or have users file mail into folders`,
    );
  }
  if (a.quota > 0) {
    const full = years.find((y) => y.quotaReached);
    if (full)
      w.push(
        `mailboxes reach the ${Math.round(a.quota / 1024 ** 2)} MiB quota in year ${full.year}: users must delete or archive mail from then on`,
      );
  }
  if (a.archive && a.archiveYears < a.retentionYears) {
    w.push(
      'archive retention is shorter than mailbox retention: the archive cannot answer for mail users still hold',
    );
  }
  if (peak.smtpPerSec > cap.smtpPerSec) {
    w.push(
      `peak SMTP load ${peak.smtpPerSec.toFixed(1)} msg/s exceeds one node's ${cap.smtpPerSec.toFixed(1)} msg/s (limited by ${cap.limit})`,
    );
  }
  if (a.peakHourShare * 24 < 1.2)
    w.push('peak-hour share is close to a flat day: is the peak really that even?');
  return w;
}
