/**
 * What an audit produces: per check a list of findings (pass / warn / fail / info, a
 * one-line message, how to fix it), the check's status (its worst finding) and a score.
 * Pure data and pure functions, shared by the runner, the renderers and --json.
 */

export const checkNames = [
  'mx',
  'ptr',
  'tls',
  'open-relay',
  'spf',
  'dkim',
  'dmarc',
  'mta-sts',
  'tls-rpt',
  'dnssec',
  'dane',
  'dnsbl',
] as const;
export type CheckName = (typeof checkNames)[number];

export type Status = 'pass' | 'warn' | 'fail' | 'info';

export interface Finding {
  status: Status;
  /** What the finding is about: a host, host:port, address or record name. */
  subject: string;
  message: string;
  /** How to fix it (absent on pass/info findings that need nothing). */
  fix?: string;
}

export interface CheckResult {
  name: CheckName;
  title: string;
  status: Status;
  findings: Finding[];
  /** True when the check itself could not finish (timeout, no DNS answer). */
  incomplete: boolean;
  ms: number;
}

export interface AuditReport {
  domain: string;
  startedAt: string;
  ms: number;
  /** 0–100: pass 1, warn ½, fail 0, averaged over checks that are not purely informational. */
  score: number;
  status: Status;
  /** Set when the domain could not be checked at all (NXDOMAIN, resolver silent): exit 4. */
  unreachable?: string;
  counts: Record<Status, number>;
  checks: CheckResult[];
}

const rank: Record<Status, number> = { info: 0, pass: 1, warn: 2, fail: 3 };

/** The worst status of a list; only info (or nothing) stays info. */
export function worst(statuses: readonly Status[]): Status {
  let w: Status = 'info';
  for (const s of statuses) if (rank[s] > rank[w]) w = s;
  return w;
}

export function checkStatus(findings: readonly Finding[]): Status {
  return worst(findings.map((f) => f.status));
}

const points: Record<Exclude<Status, 'info'>, number> = { pass: 1, warn: 0.5, fail: 0 };

/** Score over checks with a verdict; 100 when every check passed, 0 when all failed. */
export function score(checks: readonly Pick<CheckResult, 'status'>[]): number {
  const judged = checks.filter((c) => c.status !== 'info');
  if (judged.length === 0) return 0;
  const sum = judged.reduce((acc, c) => acc + points[c.status as Exclude<Status, 'info'>], 0);
  return Math.round((100 * sum) / judged.length);
}

export function countFindings(checks: readonly CheckResult[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, info: 0 };
  for (const c of checks) for (const f of c.findings) counts[f.status]++;
  return counts;
}

export function buildReport(
  domain: string,
  startedAt: Date,
  checks: CheckResult[],
  unreachable?: string,
): AuditReport {
  const status = unreachable ? 'fail' : worst(checks.map((c) => c.status));
  return {
    domain,
    startedAt: startedAt.toISOString(),
    ms: Date.now() - startedAt.getTime(),
    score: unreachable ? 0 : score(checks),
    status,
    ...(unreachable ? { unreachable } : {}),
    counts: countFindings(checks),
    checks,
  };
}

/** Small constructors so checks read as a list of verdicts. */
export const pass = (subject: string, message: string): Finding => ({ status: 'pass', subject, message });
export const info = (subject: string, message: string, fix?: string): Finding => ({
  status: 'info',
  subject,
  message,
  ...(fix ? { fix } : {}),
});
export const warn = (subject: string, message: string, fix: string): Finding => ({
  status: 'warn',
  subject,
  message,
  fix,
});
export const fail = (subject: string, message: string, fix: string): Finding => ({
  status: 'fail',
  subject,
  message,
  fix,
});
