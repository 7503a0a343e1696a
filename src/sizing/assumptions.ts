/**
 * Every input of the sizing model, with its default and where that default comes from.
 * A default is either a published figure (named so it can be checked), a documented
 * software default, or a "mailctl estimate" whose reasoning is written next to it —
 * never an invented citation. `mailctl bench --profile` replaces the "measured" ones.
 */

export type Kind = 'count' | 'size' | 'ratio' | 'years' | 'days' | 'number' | 'bool';

export interface Source {
  kind: 'published' | 'software-default' | 'estimate' | 'measured' | 'given';
  /** Who says so, checkable: report title, doc page, setting name. */
  cite: string;
  /** Why this number follows from the source, or the reasoning behind an estimate. */
  note?: string;
}

export interface AssumptionDef {
  key: AssumptionKey;
  /** CLI option without the dashes. */
  flag: string;
  label: string;
  kind: Kind;
  unit?: string;
  default: number | boolean;
  /** Hard limits (errors outside). */
  min?: number;
  max?: number;
  /** Plausible range (a warning outside). */
  plausible?: [number, number];
  source: Source;
}

export interface Assumptions {
  users: number;
  receivedPerDay: number;
  sentPerDay: number;
  messageSize: number;
  sizeSigma: number;
  retentionYears: number;
  quota: number;
  existingPerUser: number;
  horizonYears: number;
  imapShare: number;
  devicesPerUser: number;
  imapConnectionsPerUser: number;
  onlineShare: number;
  peakHourShare: number;
  userGrowth: number;
  mailGrowth: number;
  spamShare: number;
  spamStoredShare: number;
  junkDays: number;
  archive: boolean;
  archiveYears: number;
  archiveCompression: number;
  backupCopies: number;
  redundancy: number;
  headroom: number;
  blockSize: number;
  indexPerMessage: number;
  logPerMessage: number;
  logDays: number;
  queueLifetimeDays: number;
  deferredShare: number;
  smtpSessionSeconds: number;
  pop3PollMinutes: number;
  cpuMsPerMessage: number;
  cpuMsPerKiB: number;
  scanCpuMs: number;
  imapCpuMsPerFetch: number;
  fsyncMs: number;
  fsyncsPerDelivery: number;
  iosPerDelivery: number;
  memPerConnection: number;
  baseRam: number;
  coresPerNode: number;
  ramPerNode: number;
  iopsPerNode: number;
  connectionsPerNode: number;
  targetUtilization: number;
}

export type AssumptionKey = keyof Assumptions;

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const est = (note: string): Source => ({ kind: 'estimate', cite: 'mailctl estimate', note });

const radicati: Source = {
  kind: 'published',
  cite:
    'The Radicati Group, "Email Statistics Report, 2015-2019" (executive summary): a business user sends and receives 122 emails a day (2015); ' +
    'split 1 sent : 4 received as in Microsoft\'s Exchange 2007 mailbox user profiles ("average" = 10 sent / 40 received), Microsoft Learn, "Mailbox Server Storage Design" (Exchange 2007)',
  note: '122 a day split 1:4 gives 24 sent and 98 received',
};

export const definitions: readonly AssumptionDef[] = [
  {
    key: 'users',
    flag: 'users',
    label: 'users (mailboxes)',
    kind: 'count',
    default: 0,
    min: 1,
    max: 10_000_000,
    plausible: [1, 1_000_000],
    source: { kind: 'given', cite: 'your input' },
  },
  {
    key: 'receivedPerDay',
    flag: 'received',
    label: 'messages received per user per day',
    kind: 'number',
    default: 98,
    min: 0,
    max: 100_000,
    plausible: [1, 2000],
    source: radicati,
  },
  {
    key: 'sentPerDay',
    flag: 'sent',
    label: 'messages sent per user per day',
    kind: 'number',
    default: 24,
    min: 0,
    max: 100_000,
    plausible: [0, 1000],
    source: radicati,
  },
  {
    key: 'messageSize',
    flag: 'message-size',
    label: 'average message size',
    kind: 'size',
    default: 75 * KiB,
    min: 1,
    max: 1024 * MiB,
    plausible: [1 * KiB, 20 * MiB],
    source: {
      kind: 'published',
      cite: 'Microsoft, Exchange Server 2010/2013 mailbox sizing guidance and the "Exchange Server Role Requirements Calculator": message profiles assume a 75 KB average message size',
    },
  },
  {
    key: 'sizeSigma',
    flag: 'size-spread',
    label: 'message size spread (lognormal sigma)',
    kind: 'number',
    default: 1.5,
    min: 0,
    max: 4,
    plausible: [0.3, 3],
    source: est(
      'most mail is a few KB of text and a few percent carries MB attachments; sigma 1.5 around a 75 KiB mean puts the median near 24 KiB and p99 near 800 KiB. Used for filesystem block rounding and the p99 size',
    ),
  },
  {
    key: 'retentionYears',
    flag: 'retention',
    label: 'mailbox retention',
    kind: 'years',
    default: 3,
    min: 0,
    max: 100,
    plausible: [0.1, 20],
    source: est('a common corporate mailbox policy; set yours, or a --quota which caps each mailbox instead'),
  },
  {
    key: 'quota',
    flag: 'quota',
    label: 'mailbox quota (0 = none)',
    kind: 'size',
    default: 0,
    min: 0,
    max: 10 * 1024 * GiB,
    source: est('no quota: retention alone bounds the mailbox'),
  },
  {
    key: 'existingPerUser',
    flag: 'existing',
    label: 'mail migrated per user at start',
    kind: 'size',
    default: 0,
    min: 0,
    max: 10 * 1024 * GiB,
    source: est("a new server starts empty; give the legacy server's average mailbox when migrating"),
  },
  {
    key: 'horizonYears',
    flag: 'horizon',
    label: 'planning horizon',
    kind: 'years',
    default: 5,
    min: 1,
    max: 30,
    plausible: [1, 10],
    source: {
      kind: 'published',
      cite: 'Japan, Ministerial Ordinance on the Useful Life of Depreciable Assets (減価償却資産の耐用年数等に関する省令), appended table 1: electronic computers other than personal computers (servers) 5 years',
    },
  },
  {
    key: 'imapShare',
    flag: 'imap-share',
    label: 'share of users on IMAP (rest POP3)',
    kind: 'ratio',
    default: 0.8,
    min: 0,
    max: 1,
    source: est(
      'the source notes IMAP is spreading with smartphones; POP3 remains for ISP-style download. Set your measured mix',
    ),
  },
  {
    key: 'devicesPerUser',
    flag: 'devices',
    label: 'IMAP devices per user (desktop + phone)',
    kind: 'number',
    default: 2,
    min: 0,
    max: 20,
    plausible: [1, 5],
    source: est('one desktop client and one phone; each device downloads every new message once'),
  },
  {
    key: 'imapConnectionsPerUser',
    flag: 'imap-connections',
    label: 'concurrent IMAP connections per online user',
    kind: 'number',
    default: 3,
    min: 0,
    max: 50,
    plausible: [1, 10],
    source: {
      kind: 'software-default',
      cite: 'Thunderbird keeps up to 5 connections per account (pref mail.server.default.max_cached_connections = 5); a phone holds one IDLE connection',
      note: 'mailctl estimate of 2 desktop + 1 phone connections in use at a time',
    },
  },
  {
    key: 'onlineShare',
    flag: 'online-share',
    label: 'share of users online at peak',
    kind: 'ratio',
    default: 0.9,
    min: 0,
    max: 1,
    source: est('on a working day nearly every employee has a client open in the busy hour'),
  },
  {
    key: 'peakHourShare',
    flag: 'peak-share',
    label: 'share of daily mail in the busiest hour',
    kind: 'ratio',
    default: 0.2,
    min: 1 / 24,
    max: 1,
    plausible: [0.08, 0.5],
    source: est('a 10-hour working day whose busiest hour carries twice the average hour: 2/10'),
  },
  {
    key: 'userGrowth',
    flag: 'user-growth',
    label: 'yearly growth in users',
    kind: 'ratio',
    default: 0.05,
    min: 0,
    max: 10,
    plausible: [0, 1],
    source: est('company-specific: set your hiring plan'),
  },
  {
    key: 'mailGrowth',
    flag: 'mail-growth',
    label: 'yearly growth in mail per user',
    kind: 'ratio',
    default: 0.01,
    min: 0,
    max: 10,
    plausible: [0, 0.5],
    source: {
      kind: 'published',
      cite: 'The Radicati Group, "Email Statistics Report, 2015-2019": 122 business emails per user per day in 2015 expected to reach 126 in 2019',
      note: 'about +0.8% a year, rounded to 1%',
    },
  },
  {
    key: 'spamShare',
    flag: 'spam-share',
    label: 'spam share of inbound messages',
    kind: 'ratio',
    default: 0.46,
    min: 0,
    max: 0.999,
    plausible: [0, 0.95],
    source: {
      kind: 'published',
      cite: 'Kaspersky, "Spam and phishing in 2023" (Securelist, 2024): 45.6% of global mail traffic was spam',
    },
  },
  {
    key: 'spamStoredShare',
    flag: 'spam-stored',
    label: 'share of spam kept in Junk/quarantine (rest rejected)',
    kind: 'ratio',
    default: 0.1,
    min: 0,
    max: 1,
    source: est(
      'DNSBL, SPF/DMARC and scanner thresholds reject most spam during SMTP; borderline scores are kept',
    ),
  },
  {
    key: 'junkDays',
    flag: 'junk-days',
    label: 'Junk/quarantine retention',
    kind: 'days',
    default: 30,
    min: 0,
    max: 3650,
    source: {
      kind: 'software-default',
      cite: 'Microsoft 365 / Exchange Online deletes Junk Email folder items after 30 days',
    },
  },
  {
    key: 'archive',
    flag: 'archive',
    label: 'journal archive of all mail',
    kind: 'bool',
    default: true,
    source: { kind: 'given', cite: 'mailctl requirement 12 (mail archive) from the source document' },
  },
  {
    key: 'archiveYears',
    flag: 'archive-retention',
    label: 'archive retention',
    kind: 'years',
    default: 7,
    min: 0,
    max: 100,
    plausible: [1, 30],
    source: {
      kind: 'published',
      cite: 'Japan, Corporation Tax Act enforcement regulations art. 59 (books and transaction records kept 7 years) with the Electronic Books Maintenance Act (電子帳簿保存法) art. 7 for transactions by email',
    },
  },
  {
    key: 'archiveCompression',
    flag: 'archive-ratio',
    label: 'archive stored size / original',
    kind: 'ratio',
    default: 1,
    min: 0.05,
    max: 1,
    source: est('stored as received (no compression); mail with base64 attachments compresses little'),
  },
  {
    key: 'backupCopies',
    flag: 'backup-copies',
    label: 'backup copies (outside the server)',
    kind: 'number',
    default: 2,
    min: 0,
    max: 10,
    source: {
      kind: 'published',
      cite: 'US-CERT, "Data Backup Options" (2012): the 3-2-1 rule, three copies of the data',
      note: 'the primary plus 2 copies',
    },
  },
  {
    key: 'redundancy',
    flag: 'raid-factor',
    label: 'raw disk per usable byte (RAID/replicas)',
    kind: 'number',
    default: 2,
    min: 1,
    max: 10,
    source: {
      kind: 'published',
      cite: 'Patterson, Gibson, Katz, "A Case for Redundant Arrays of Inexpensive Disks (RAID)", SIGMOD 1988: RAID 1 mirrors every block',
      note: 'RAID 1/10 → 2.0; RAID 6 on 8 disks → 1.33',
    },
  },
  {
    key: 'headroom',
    flag: 'headroom',
    label: 'free-space headroom',
    kind: 'ratio',
    default: 0.25,
    min: 0,
    max: 10,
    plausible: [0.1, 1],
    source: {
      kind: 'software-default',
      cite: 'ext4 reserves 5% of blocks for root (mke2fs(8) -m default)',
      note: 'mailctl estimate: plus a margin so the filesystem stays under ~80% full',
    },
  },
  {
    key: 'blockSize',
    flag: 'block-size',
    label: 'filesystem block size',
    kind: 'size',
    default: 4096,
    min: 512,
    max: 1 * MiB,
    source: {
      kind: 'software-default',
      cite: 'ext4 default block size 4096 (/etc/mke2fs.conf, e2fsprogs)',
      note: 'Maildir stores one file per message, so each message rounds up to a block',
    },
  },
  {
    key: 'indexPerMessage',
    flag: 'index-per-message',
    label: 'index/metadata per message',
    kind: 'size',
    default: 1024,
    min: 0,
    max: 1 * MiB,
    source: {
      kind: 'estimate',
      cite: 'mailctl estimate from Dovecot\'s documented index format (doc.dovecot.org, "Mail index file format")',
      note:
        'a fixed-size record per message in dovecot.index, cached fields in dovecot.index.cache (capped at 1 GiB per mailbox by mail_cache_max_size), the transaction log and a dovecot-uidlist line. ' +
        'Measured here with Dovecot 2.3.19: 723 B per message for 2,000 short-header 10 KB messages after a client fetched ENVELOPE and BODYSTRUCTURE of all; real headers are longer, hence 1 KiB',
    },
  },
  {
    key: 'logPerMessage',
    flag: 'log-per-message',
    label: 'log bytes per message',
    kind: 'size',
    default: 1000,
    min: 0,
    max: 1 * MiB,
    source: est('about four JSON log lines of ~250 bytes per transaction (connect, accept, deliver, close)'),
  },
  {
    key: 'logDays',
    flag: 'log-retention',
    label: 'log retention',
    kind: 'days',
    default: 180,
    min: 0,
    max: 36500,
    source: est('half a year, long enough to investigate an incident reported late'),
  },
  {
    key: 'queueLifetimeDays',
    flag: 'queue-lifetime',
    label: 'outbound queue lifetime',
    kind: 'days',
    default: 5,
    min: 0,
    max: 30,
    source: { kind: 'software-default', cite: 'Postfix maximal_queue_lifetime default 5d (postconf(5))' },
  },
  {
    key: 'deferredShare',
    flag: 'deferred-share',
    label: 'share of outbound mail deferred',
    kind: 'ratio',
    default: 0.02,
    min: 0,
    max: 1,
    source: est('a few percent of remote MXs greylist or are down at any time'),
  },
  {
    key: 'smtpSessionSeconds',
    flag: 'smtp-session',
    label: 'SMTP session length over the Internet (s)',
    kind: 'number',
    default: 2,
    min: 0.001,
    max: 600,
    source: est('TLS handshake, DNS checks and DATA over a WAN round trip of ~100 ms'),
  },
  {
    key: 'pop3PollMinutes',
    flag: 'pop3-poll',
    label: 'POP3 check interval (min)',
    kind: 'number',
    default: 10,
    min: 0.1,
    max: 1440,
    source: {
      kind: 'software-default',
      cite: 'Thunderbird checks for new messages every 10 minutes (pref mail.server.default.check_time = 10)',
    },
  },
  {
    key: 'cpuMsPerMessage',
    flag: 'cpu-per-message',
    label: 'CPU ms per message (receive + policy + deliver)',
    kind: 'number',
    default: 5,
    min: 0.001,
    max: 10_000,
    source: est(
      "mailctl bench measured 3.7–7 ms of daemon CPU per 4–100 KB message on a 2-core AMD EPYC VM (plain SMTP, fsync'd Maildir delivery, no scanners); TLS adds to it. Replace with mailctl bench --profile on your hardware",
    ),
  },
  {
    key: 'cpuMsPerKiB',
    flag: 'cpu-per-kib',
    label: 'CPU ms per KiB of message',
    kind: 'number',
    default: 0.02,
    min: 0,
    max: 1000,
    source: est('parsing, dot-unstuffing and TLS at ~50 MB/s per core; replace with mailctl bench --profile'),
  },
  {
    key: 'scanCpuMs',
    flag: 'scan-cpu',
    label: 'CPU ms per message in spam/virus scanners',
    kind: 'number',
    default: 150,
    min: 0,
    max: 100_000,
    source: est('SpamAssassin spamd and ClamAV clamd together, network tests off; measure yours'),
  },
  {
    key: 'imapCpuMsPerFetch',
    flag: 'imap-cpu',
    label: 'CPU ms per IMAP message fetch',
    kind: 'number',
    default: 1,
    min: 0,
    max: 10_000,
    source: est('reading a cached message and writing it to a TLS socket'),
  },
  {
    key: 'fsyncMs',
    flag: 'fsync-ms',
    label: 'fsync latency (ms)',
    kind: 'number',
    default: 2,
    min: 0.001,
    max: 10_000,
    source: est(
      'an SSD with power-loss protection; spinning disks are ~8 ms. Replace with mailctl bench --profile',
    ),
  },
  {
    key: 'fsyncsPerDelivery',
    flag: 'fsyncs-per-delivery',
    label: 'fsyncs per delivery',
    kind: 'number',
    default: 2,
    min: 0,
    max: 20,
    source: est('Maildir: fsync the message file, then the directory after rename'),
  },
  {
    key: 'iosPerDelivery',
    flag: 'ios-per-delivery',
    label: 'disk writes per delivery',
    kind: 'number',
    default: 4,
    min: 0,
    max: 100,
    source: est('data, inode, tmp→new directory entries, index/uidlist append'),
  },
  {
    key: 'memPerConnection',
    flag: 'mem-per-connection',
    label: 'RAM per open connection',
    kind: 'size',
    default: 256 * KiB,
    min: 0,
    max: 1024 * MiB,
    source: est(
      "measured here: an idle TLS connection adds ~7 KiB to mailctl's RSS, a plaintext SMTP one ~3 KiB (400 connections each); active sessions also hold message buffers and the selected folder's message list, hence 256 KiB. (Dovecot forks a process per IMAP connection: ~5 MiB each, measured with mailctl bench imap)",
    ),
  },
  {
    key: 'baseRam',
    flag: 'base-ram',
    label: 'RAM per node for OS and daemon',
    kind: 'size',
    default: 2 * GiB,
    min: 0,
    max: 1024 * GiB,
    source: est(
      "the OS, the daemon at rest and the spam/virus scanners' signatures (clamd alone holds ~1 GiB)",
    ),
  },
  {
    key: 'coresPerNode',
    flag: 'node-cores',
    label: 'largest node: CPU cores',
    kind: 'number',
    default: 16,
    min: 1,
    max: 1024,
    source: est('a common 1U two-socket or single-socket server'),
  },
  {
    key: 'ramPerNode',
    flag: 'node-ram',
    label: 'largest node: RAM',
    kind: 'size',
    default: 64 * GiB,
    min: 256 * MiB,
    max: 64 * 1024 * GiB,
    source: est('a common 1U server'),
  },
  {
    key: 'iopsPerNode',
    flag: 'node-iops',
    label: "largest node: sustained fsync'd IOPS",
    kind: 'number',
    default: 5000,
    min: 1,
    max: 10_000_000,
    source: est('a mirrored pair of SATA SSDs with power-loss protection under sync writes'),
  },
  {
    key: 'connectionsPerNode',
    flag: 'node-connections',
    label: 'largest node: open connections',
    kind: 'number',
    default: 20_000,
    min: 1,
    max: 10_000_000,
    source: est('file descriptors and TLS memory of one daemon; above this, spread the users'),
  },
  {
    key: 'targetUtilization',
    flag: 'target-utilization',
    label: 'plan nodes to this utilization at peak',
    kind: 'ratio',
    default: 0.6,
    min: 0.05,
    max: 1,
    source: est("leaves room for bursts above the busy-hour average and for one failed node's load"),
  },
];

export const byKey: ReadonlyMap<AssumptionKey, AssumptionDef> = new Map(definitions.map((d) => [d.key, d]));

export function defaults(): Assumptions {
  const a: Record<string, number | boolean> = {};
  for (const d of definitions) a[d.key] = d.default;
  return a as unknown as Assumptions;
}
