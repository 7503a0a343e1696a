/**
 * A calibration profile written by `mailctl bench … --profile out.json` and how it replaces
 * the model's per-message CPU cost, fsync latency and memory per connection. Pure: the
 * command reads the file and hands the parsed JSON here.
 */
import { MailctlError } from '../errors.js';
import type { AssumptionKey, Assumptions, Source } from './assumptions.js';

export interface SmtpRun {
  size: number;
  connections: number;
  messages: number;
  seconds: number;
  perSec: number;
  /** Server CPU ms per message, from /proc/PID/stat (utime + stime). */
  serverCpuMs?: number;
}

export interface Profile {
  kind: 'mailctl-bench-profile';
  version: 1;
  measuredAt: string;
  host: { hostname: string; cpus: number; cpuModel: string };
  target: string;
  /** Fit of serverCpuMs = cpuMsPerMessage + cpuMsPerKiB × KiB over the runs. */
  cpuMsPerMessage?: number;
  cpuMsPerKiB?: number;
  /** Median latency of an fsync'd 8 KiB file create in the data directory. */
  fsyncMs?: number;
  fsyncDir?: string;
  /** (RSS with N idle IMAP connections − RSS before) / N. */
  memPerConnection?: number;
  smtpRuns?: SmtpRun[];
}

export interface Calibrated {
  assumptions: Assumptions;
  /** Sources to show instead of the defaults' for the replaced keys. */
  sources: Partial<Record<AssumptionKey, Source>>;
  replaced: AssumptionKey[];
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Validates parsed JSON as a profile; `where` names the file for the error. */
export function readProfile(json: unknown, where: string): Profile {
  const bad = (what: string) =>
    new MailctlError('invalid-input', `not a mailctl bench profile: ${what}`, {
      where,
      hint: 'write one with: mailctl bench smtp --target HOST:PORT … --profile FILE',
    });
  if (typeof json !== 'object' || json === null) throw bad('not a JSON object');
  const p = json as Record<string, unknown>;
  if (p.kind !== 'mailctl-bench-profile') throw bad('"kind" is not "mailctl-bench-profile"');
  if (p.version !== 1) throw bad(`version ${String(p.version)} (this mailctl reads version 1)`);
  for (const k of ['cpuMsPerMessage', 'cpuMsPerKiB', 'fsyncMs', 'memPerConnection'] as const) {
    if (p[k] !== undefined && !(typeof p[k] === 'number' && Number.isFinite(p[k]) && (p[k] as number) >= 0)) {
      throw bad(`"${k}" is not a non-negative number`);
    }
  }
  if (![p.cpuMsPerMessage, p.fsyncMs, p.memPerConnection].some(num)) {
    throw bad('it holds no measurement (cpuMsPerMessage, fsyncMs or memPerConnection)');
  }
  return json as Profile;
}

export function applyProfile(a: Assumptions, p: Profile, given: readonly AssumptionKey[] = []): Calibrated {
  const out: Assumptions = { ...a };
  const sources: Partial<Record<AssumptionKey, Source>> = {};
  const replaced: AssumptionKey[] = [];
  const cite = `measured by mailctl bench against ${p.target} on ${p.host.hostname} (${p.host.cpus}× ${p.host.cpuModel}), ${p.measuredAt}`;
  const set = (key: AssumptionKey, value: number | undefined, note: string) => {
    // An explicit command-line value wins over the profile.
    if (value === undefined || !Number.isFinite(value) || given.includes(key)) return;
    (out as unknown as Record<string, number>)[key] = value;
    sources[key] = { kind: 'measured', cite, note };
    replaced.push(key);
  };
  if (num(p.cpuMsPerMessage)) {
    set(
      'cpuMsPerMessage',
      p.cpuMsPerMessage,
      `server CPU time per message over ${p.smtpRuns?.length ?? 0} SMTP runs`,
    );
    set('cpuMsPerKiB', p.cpuMsPerKiB ?? 0, 'slope of server CPU time against message size');
  }
  if (num(p.fsyncMs))
    set('fsyncMs', p.fsyncMs, `median fsync'd file create in ${p.fsyncDir ?? 'the data directory'}`);
  if (num(p.memPerConnection))
    set(
      'memPerConnection',
      p.memPerConnection,
      'server RSS growth per connected IMAP user (lowest RSS while all were connected, minus RSS before)',
    );
  return { assumptions: out, sources, replaced };
}

/** Least-squares line through (KiB, cpu ms) points; one point → zero slope. */
export function fitCpu(
  runs: readonly SmtpRun[],
): { cpuMsPerMessage: number; cpuMsPerKiB: number } | undefined {
  const pts = runs
    .filter((r) => num(r.serverCpuMs))
    .map((r) => [r.size / 1024, r.serverCpuMs as number] as const);
  if (pts.length === 0) return undefined;
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p[0], 0) / n;
  const my = pts.reduce((s, p) => s + p[1], 0) / n;
  const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  if (sxx === 0) return { cpuMsPerMessage: my, cpuMsPerKiB: 0 };
  const slope = Math.max(0, pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx);
  return { cpuMsPerMessage: Math.max(0.001, my - slope * mx), cpuMsPerKiB: slope };
}
