/**
 * Turns a Plan into sections (tables and lines) that the command renders as a terminal
 * table or Markdown, and into the --json document. Pure: strings in, strings out.
 */
import { formatBytes, formatCount } from '../proto/units.js';
import { type AssumptionDef, type AssumptionKey, definitions, type Source } from './assumptions.js';
import { FS_THREADS, HOT_INDEX_DAYS, type Load, type Plan } from './model.js';

export interface Section {
  title: string;
  headers?: string[];
  /** Columns aligned right (numbers). */
  right?: number[];
  rows?: string[][];
  lines?: string[];
}

export interface ReportOptions {
  /** Sources that replace a default's (calibration, or "given" for options the operator set). */
  sources?: Partial<Record<AssumptionKey, Source>>;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
const n0 = (x: number) => formatCount(x);
const n1 = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : n0(x));
const bits = (bytesPerSec: number) => {
  const b = bytesPerSec * 8;
  return b >= 1e9
    ? `${(b / 1e9).toFixed(2)} Gbit/s`
    : b >= 1e6
      ? `${(b / 1e6).toFixed(1)} Mbit/s`
      : `${(b / 1e3).toFixed(0)} kbit/s`;
};

export function formatValue(d: AssumptionDef, v: number | boolean): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  switch (d.kind) {
    case 'size':
      return v === 0 ? 'none' : formatBytes(v);
    case 'ratio':
      return pct(v);
    case 'years':
      return `${Number(v.toFixed(2))}y`;
    case 'days':
      return `${Number(v.toFixed(1))}d`;
    default:
      return String(Number(v.toFixed(4)));
  }
}

/** A bar per year: provisioned storage, with the data share drawn solid. */
export function chart(plan: Plan, width = 40): string[] {
  const max = Math.max(...plan.years.map((y) => y.provision), 1);
  return plan.years.map((y) => {
    const data = Math.round((y.total / max) * width);
    const prov = Math.round((y.provision / max) * width);
    const bar = '█'.repeat(data) + '░'.repeat(Math.max(0, prov - data));
    return `year ${String(y.year).padStart(2)} ${bar.padEnd(width)} ${formatBytes(y.provision)}`;
  });
}

function storageSection(p: Plan): Section {
  return {
    title: `Storage (usable; "provision" adds ${pct(p.inputs.headroom)} headroom, raw disk ×${p.inputs.redundancy} for RAID/replicas)`,
    headers: [
      'year',
      'users',
      'msgs/mailbox',
      'mailboxes',
      'index',
      'junk',
      'archive',
      'logs',
      'spool',
      'total',
      'provision',
      'raw disk',
      'backup',
    ],
    right: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    rows: p.years.map((y) => [
      y.year === 0 ? 'now' : String(y.year),
      n0(y.users),
      n0(y.messagesPerMailbox),
      formatBytes(y.mailboxes),
      formatBytes(y.index),
      formatBytes(y.junk),
      formatBytes(y.archive),
      formatBytes(y.logs),
      formatBytes(y.spool),
      formatBytes(y.total),
      formatBytes(y.provision),
      formatBytes(y.raw),
      formatBytes(y.backup),
    ]),
    lines: [
      `per message on disk ${formatBytes(p.size.onDisk)} (mean ${formatBytes(p.size.mean)}, median ${formatBytes(p.size.median)}, p99 ${formatBytes(p.size.p99)}, rounded to ${formatBytes(p.inputs.blockSize)} blocks)`,
      `mailboxes: IMAP users keep ${formatValue(byKeyDef('retentionYears'), p.inputs.retentionYears)} of received and sent mail${p.inputs.quota ? `, capped at ${formatBytes(p.inputs.quota)}` : ''}; POP3 users about a day (POP3 downloads and deletes)`,
    ],
  };
}

function byKeyDef(key: AssumptionKey): AssumptionDef {
  return definitions.find((d) => d.key === key) as AssumptionDef;
}

function loadSection(p: Plan): Section {
  const cols = (f: (l: Load) => string) => [f(p.now), f(p.peak)];
  const row = (label: string, f: (l: Load) => string) => [label, ...cols(f)];
  return {
    title: `Load in the busiest hour (${pct(p.inputs.peakHourShare)} of the day's mail)`,
    headers: ['', 'now', `year ${p.peak.year}`],
    right: [1, 2],
    rows: [
      row('users', (l) => n0(l.users)),
      row(
        'SMTP messages/s (inbound MX + submission)',
        (l) => `${n1(l.smtpPerSec)} (${n1(l.inboundPerSec)} + ${n1(l.submissionPerSec)})`,
      ),
      row('mailbox deliveries/s', (l) => n1(l.deliveriesPerSec)),
      row('IOPS (writes + reads)', (l) => `${n0(l.iops)} (${n0(l.writeIops)} + ${n0(l.readIops)})`),
      row('fsyncs/s', (l) => n0(l.fsyncsPerSec)),
      row('Internet in / out', (l) => `${bits(l.internetIn)} / ${bits(l.internetOut)}`),
      row('client traffic (IMAP/POP3/submission)', (l) => bits(l.clientTraffic)),
      row('concurrent SMTP connections', (l) => n0(l.smtpConnections)),
      row('concurrent IMAP connections', (l) => n0(l.imapConnections)),
      row('concurrent POP3 connections', (l) => n0(l.pop3Connections)),
      row(
        'messages per day (inbound incl. spam / sent)',
        (l) => `${n0(l.inboundPerDay)} / ${n0(l.sentPerDay)}`,
      ),
    ],
  };
}

function machineSection(p: Plan): Section {
  const t = p.topology;
  const c = p.capacity;
  return {
    title: `Machines for year ${p.peak.year}: step ${t.step} — ${t.name}`,
    headers: ['role', 'nodes', 'cores each', 'RAM each', 'note'],
    right: [1, 2, 3],
    rows: t.nodes.map((nd) => [nd.role, String(nd.count), String(nd.cores), formatBytes(nd.ram), nd.note]),
    lines: [
      ...t.why.map((w) => `why: ${w}`),
      ...(t.nextStepAtUsers !== undefined
        ? [`next step at about ${n0(t.nextStepAtUsers)} users today (same habits and growth)`]
        : []),
      ...t.infrastructure.map((i) => `needs: ${i}`),
      `one node sustains about ${n1(c.smtpPerSec)} SMTP msg/s at ${pct(p.inputs.targetUtilization)} (limited by ${c.limit}: CPU ${n1(c.cpuBound)}, one daemon process ${n1(c.processBound)}, IOPS ${n1(c.iopsBound)}, fsync ${n1(c.fsyncBound)} with ${FS_THREADS} fs threads); daemon CPU ${p.messageCpuMs.toFixed(2)} ms + scanners ${p.inputs.scanCpuMs} ms per message`,
      `RAM: ${formatBytes(p.inputs.baseRam)} base + ${formatBytes(p.inputs.memPerConnection)} per connection + the index of the last ${HOT_INDEX_DAYS} days of mail for online users`,
      'topology steps (from the source document: split SMTP roles, then load-balance receiving servers sharing NFS and LDAP):',
      ...t.thresholds.map((s) => `  ${s}`),
    ],
  };
}

function assumptionSection(p: Plan, o: ReportOptions): Section {
  const lines: string[] = [];
  for (const d of definitions) {
    const v = p.inputs[d.key];
    const src = o.sources?.[d.key] ?? d.source;
    lines.push(`--${d.flag} ${formatValue(d, v)}  ${d.label}`);
    lines.push(`    ${src.kind}: ${src.cite}${src.note ? ` — ${src.note}` : ''}`);
  }
  return { title: 'Assumptions (each is an option; the indented line names its source)', lines };
}

export function sections(p: Plan, o: ReportOptions = {}): Section[] {
  const s: Section[] = [
    storageSection(p),
    { title: 'Provisioned storage per year (█ data, ░ headroom)', lines: chart(p) },
    loadSection(p),
    machineSection(p),
  ];
  if (p.warnings.length > 0) s.push({ title: 'Warnings', lines: p.warnings.map((w) => `! ${w}`) });
  s.push(assumptionSection(p, o));
  return s;
}

export function markdown(p: Plan, o: ReportOptions = {}): string {
  const out: string[] = [
    `# Mail server sizing: ${n0(p.inputs.users)} users, ${p.inputs.horizonYears}-year horizon`,
    '',
  ];
  for (const s of sections(p, o)) {
    out.push(`## ${s.title}`, '');
    if (s.headers && s.rows) {
      const esc = (c: string) => c.replace(/\|/g, '\\|');
      out.push(`| ${s.headers.map(esc).join(' | ')} |`);
      out.push(`| ${s.headers.map((_, i) => (s.right?.includes(i) ? '---:' : '---')).join(' | ')} |`);
      for (const r of s.rows) out.push(`| ${r.map(esc).join(' | ')} |`);
      out.push('');
    }
    if (s.lines) {
      const code = s.title.startsWith('Provisioned');
      if (code) out.push('```');
      for (const l of s.lines) out.push(code ? l : `- ${l.trim()}`);
      if (code) out.push('```');
      out.push('');
    }
  }
  return out.join('\n');
}

export function toJson(p: Plan, o: ReportOptions = {}) {
  return {
    users: p.inputs.users,
    horizonYears: p.inputs.horizonYears,
    messageSize: p.size,
    storage: { unit: 'bytes', years: p.years },
    load: { unit: 'per second at the busiest hour; bytes/s for traffic', now: p.now, horizon: p.peak },
    machines: {
      topology: p.topology,
      roles: p.roles,
      nodeCapacity: p.capacity,
      messageCpuMs: p.messageCpuMs,
    },
    warnings: p.warnings,
    assumptions: definitions.map((d) => ({
      key: d.key,
      option: `--${d.flag}`,
      label: d.label,
      value: p.inputs[d.key],
      display: formatValue(d, p.inputs[d.key]),
      source: o.sources?.[d.key] ?? d.source,
    })),
  };
}
