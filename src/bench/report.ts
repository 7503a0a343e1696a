/** Bench results as sections (tables and lines) for the terminal; --json prints the reports as they are. */
import { formatBytes } from '../proto/units.js';
import type { ImapReport, ServerUsage, SmtpReport } from './run.js';
import type { OpStats } from './stats.js';

export interface Section {
  title: string;
  headers?: string[];
  rows?: string[][];
  lines?: string[];
}

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

function opsSection(title: string, ops: OpStats[]): Section {
  return {
    title,
    headers: ['operation', 'count', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    rows: ops.map((o) => [
      o.op,
      String(o.count),
      String(o.errors),
      ms(o.p50),
      ms(o.p95),
      ms(o.p99),
      ms(o.max),
    ]),
  };
}

function serverLine(s: ServerUsage, perUnit?: { n: number; what: string }): string {
  const per = perUnit && perUnit.n > 0 ? `, ${ms(s.cpuMs / perUnit.n)} ms per ${perUnit.what}` : '';
  return `server pid ${s.pid} (${s.processes} process${s.processes > 1 ? 'es' : ''}): CPU ${Math.round(s.cpuMs)} ms = ${(s.cores * 100).toFixed(0)}% of one core${per}; RSS ${formatBytes(s.rssStart)} → peak ${formatBytes(s.rssPeak)}, end ${formatBytes(s.rssEnd)}`;
}

function errorLines(errors: Record<string, number>): string[] {
  return Object.entries(errors).map(([reason, n]) => `error ×${n}: ${reason}`);
}

export function smtpSections(r: SmtpReport): Section[] {
  const out: Section[] = [
    {
      title: `SMTP bench → ${r.target}, ${r.connections} connections`,
      headers: ['size', 'sent', 'seconds', 'msg/s', 'MB/s', 'stopped by'],
      rows: r.runs.map((x) => [
        formatBytes(x.size),
        String(x.messages),
        x.seconds.toFixed(2),
        x.perSec.toFixed(1),
        (x.bytesPerSec / 1e6).toFixed(2),
        x.stoppedBy,
      ]),
    },
  ];
  for (const x of r.runs) {
    const s = opsSection(
      `latency, ${formatBytes(x.size)} messages (message = MAIL FROM to the final 250)`,
      x.ops,
    );
    s.lines = [
      ...(x.server ? [serverLine(x.server, { n: x.messages, what: 'message' })] : []),
      ...errorLines(x.errors),
    ];
    out.push(s);
  }
  const notes: string[] = [];
  if (r.serverNote) notes.push(r.serverNote);
  if (r.fsync)
    notes.push(
      `fsync probe in ${r.fsync.dir}: median ${ms(r.fsync.medianMs)} ms, p95 ${ms(r.fsync.p95Ms)} ms (${r.fsync.count} × 8 KiB file creates)`,
    );
  if (r.profile)
    notes.push(
      `calibration profile written to ${r.profile}: use it with mailctl size --profile ${r.profile}`,
    );
  if (notes.length) out.push({ title: 'notes', lines: notes });
  return out;
}

export function imapSections(r: ImapReport): Section[] {
  const lines = [
    `${r.loggedIn} of ${r.users} simulated users logged in; ${r.opsPerSec.toFixed(1)} operations/s over ${r.seconds.toFixed(1)} s; ${formatBytes(r.bytesFetched)} fetched`,
  ];
  if (r.server) {
    lines.push(serverLine(r.server));
    lines.push(
      r.server.memPerConnection !== undefined
        ? `memory per logged-in connection: ${formatBytes(r.server.memPerConnection)} (lowest RSS with all users connected, minus RSS before)`
        : 'memory per connection: not measurable, RSS noise exceeded the growth (try more --users)',
    );
  }
  if (r.serverNote) lines.push(r.serverNote);
  lines.push(...errorLines(r.errors));
  if (r.profile) lines.push(`calibration profile written to ${r.profile}`);
  return [{ ...opsSection(`IMAP bench → ${r.target}`, r.ops), lines }];
}

export function hadErrors(r: SmtpReport | ImapReport): boolean {
  const errs = r.kind === 'smtp' ? r.runs.flatMap((x) => Object.values(x.errors)) : Object.values(r.errors);
  return errs.some((n) => n > 0);
}
