/**
 * The topology the source document prescribes, chosen by stated thresholds:
 *   1. one server;
 *   2. separate inbound MX and internal submission SMTP servers ("SMTPサーバーの分離");
 *   3. several receiving (IMAP/POP3) servers behind a load balancer with service monitoring
 *      ("複数のメール受信サーバーのロードバランス"), sharing Maildir over NFS and accounts
 *      over LDAP ("データの共有", "アカウントの共有").
 * Every role's need scales linearly with users, so the user count where the next step
 * starts is the current count divided by how full the deciding budget is.
 */
import type { Assumptions } from './assumptions.js';

export interface RoleNeed {
  /** Cores at the target utilization. */
  cores: number;
  ram: number;
  /** IOPS at the target utilization. */
  iops: number;
  connections: number;
  /** Cores of mailctl's own work (no scanners): one Node.js process per node runs it on one core. */
  daemonCores: number;
}

export interface NodeSpec {
  role: string;
  count: number;
  cores: number;
  ram: number;
  note: string;
}

export interface Topology {
  step: 1 | 2 | 3;
  name: string;
  nodes: NodeSpec[];
  /** Why this step: the deciding figures. */
  why: string[];
  /** The rule for every step, with numbers. */
  thresholds: string[];
  /** Users today (before growth) at which the next step is needed; undefined at step 3. */
  nextStepAtUsers?: number;
  /** Shared services the step needs (load balancer, NFS, LDAP). */
  infrastructure: string[];
}

/** SMTP may take at most this share of a single server before it gets its own machines. */
export const SMTP_SPLIT_SHARE = 0.5;

const GiB = 1024 ** 3;

function add(...n: RoleNeed[]): RoleNeed {
  return n.reduce(
    (s, x) => ({
      cores: s.cores + x.cores,
      ram: s.ram + x.ram,
      iops: s.iops + x.iops,
      connections: s.connections + x.connections,
      daemonCores: s.daemonCores + x.daemonCores,
    }),
    { cores: 0, ram: 0, iops: 0, connections: 0, daemonCores: 0 },
  );
}

interface Fill {
  ratio: number;
  by: string;
}

/** How full one node would be (1 = exactly at the target utilization) and which resource decides. */
export function fill(a: Assumptions, n: RoleNeed): Fill {
  const parts: [number, string][] = [
    [n.cores / a.coresPerNode, 'CPU'],
    [n.ram / Math.max(1, a.ramPerNode - a.baseRam), 'RAM'],
    [n.iops / a.iopsPerNode, 'IOPS'],
    [n.connections / (a.connectionsPerNode * a.targetUtilization), 'connections'],
    [n.daemonCores, 'one daemon process (one core)'],
  ];
  parts.sort((x, y) => y[0] - x[0]);
  return { ratio: parts[0][0], by: parts[0][1] };
}

function spec(a: Assumptions, role: string, need: RoleNeed, count: number, note: string): NodeSpec {
  const cores = Math.max(2, Math.ceil(need.cores / count));
  const ram = Math.max(4 * GiB, Math.ceil((a.baseRam + need.ram / count) / GiB) * GiB);
  return { role, count, cores, ram, note };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function chooseTopology(
  a: Assumptions,
  need: { mx: RoleNeed; submission: RoleNeed; mailbox: RoleNeed },
): Topology {
  const all = fill(a, add(need.mx, need.submission, need.mailbox));
  const smtp = fill(a, add(need.mx, need.submission));
  const mailbox = fill(a, need.mailbox);
  const u = a.targetUtilization;
  const thresholds = [
    `1 one server: while all roles fit one node (${a.coresPerNode} cores, ${Math.round(a.ramPerNode / GiB)} GiB, ${a.iopsPerNode} IOPS, ${Math.round(a.connectionsPerNode * u)} connections, at ${pct(u)} utilization) and SMTP needs at most ${pct(SMTP_SPLIT_SHARE)} of it`,
    `2 separate MX (port 25) and submission (587/465) servers: when one node is not enough or SMTP needs more than ${pct(SMTP_SPLIT_SHARE)} of it; each role also gets simpler, stricter security settings`,
    '3 N IMAP/POP3 servers behind a load balancer with health checks (/healthz), Maildir on NFS, accounts in LDAP: when IMAP/POP3 alone exceed one node; N+1 nodes so one can fail or be drained',
  ];
  const scale = (1 + a.userGrowth) ** a.horizonYears;
  if (all.ratio <= 1 && smtp.ratio <= SMTP_SPLIT_SHARE) {
    const decider = Math.max(all.ratio, smtp.ratio / SMTP_SPLIT_SHARE);
    return {
      step: 1,
      name: 'one server (MX, submission, IMAP, POP3 and accounts together)',
      nodes: [
        spec(
          a,
          'all roles',
          add(need.mx, need.submission, need.mailbox),
          1,
          'SQLite accounts, local Maildir',
        ),
      ],
      why: [
        `all roles use ${pct(all.ratio)} of one node (decided by ${all.by}); SMTP uses ${pct(smtp.ratio)}`,
      ],
      thresholds,
      nextStepAtUsers: decider > 0 ? Math.floor(a.users / decider) : undefined,
      infrastructure: ['a second MX record or a cold standby for redundancy'],
    };
  }
  const mxCount = Math.max(1, Math.ceil(fill(a, need.mx).ratio));
  const subCount = Math.max(1, Math.ceil(fill(a, need.submission).ratio));
  const smtpNodes = [
    spec(a, 'MX (inbound, port 25)', need.mx, mxCount, 'spam/virus scanning, SPF/DKIM/DMARC, DNSBL'),
    spec(
      a,
      'submission (587/465)',
      need.submission,
      subCount,
      'AUTH after TLS, DKIM signing, outbound queue',
    ),
  ];
  const why = [
    all.ratio > 1
      ? `all roles together need ${pct(all.ratio)} of one node (${all.by})`
      : `SMTP needs ${pct(smtp.ratio)} of one node (over ${pct(SMTP_SPLIT_SHARE)})`,
  ];
  if (mailbox.ratio <= 1) {
    return {
      step: 2,
      name: 'separate MX and submission servers, one IMAP/POP3 server',
      nodes: [
        ...smtpNodes,
        spec(a, 'IMAP/POP3 + Maildir', need.mailbox, 1, 'MX and submission deliver to it'),
      ],
      why: [...why, `IMAP/POP3 alone use ${pct(mailbox.ratio)} of one node (${mailbox.by})`],
      thresholds,
      nextStepAtUsers: mailbox.ratio > 0 ? Math.floor(a.users / mailbox.ratio) : undefined,
      infrastructure: [
        'accounts shared by the SMTP and IMAP servers: LDAP (mailctl directory backend "ldap")',
      ],
    };
  }
  const n = Math.ceil(mailbox.ratio) + 1;
  return {
    step: 3,
    name: `separate MX and submission; ${n} IMAP/POP3 servers behind a load balancer; NFS for Maildir; LDAP for accounts`,
    nodes: [...smtpNodes, spec(a, 'IMAP/POP3', need.mailbox, n - 1, `${n - 1} carry the load, +1 spare`)].map(
      (s) => (s.role === 'IMAP/POP3' ? { ...s, count: n } : s),
    ),
    why: [
      ...why,
      `IMAP/POP3 need ${pct(mailbox.ratio)} of one node (${mailbox.by}): ${n - 1} nodes + 1 spare`,
    ],
    thresholds,
    infrastructure: [
      'load balancer pair with health checks on /healthz, PROXY protocol to keep client IPs',
      'NFS server for Maildir (see the storage table; Dovecot docs on NFS: keep each user on one backend at a time)',
      `LDAP for accounts (two replicas); users today ${a.users}, at the horizon ${Math.ceil(a.users * scale)}`,
    ],
  };
}
