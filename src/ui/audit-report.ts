/**
 * The audit report for people: plain text (coloured on a TTY), Markdown and a standalone
 * HTML page. --json prints the AuditReport object itself (see README "audit").
 */
import type { AuditReport, CheckResult, Finding, Status } from '../audit/result.js';
import { type Output, paint, type Style } from './output.js';

const mark: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', info: 'INFO' };
const colour: Record<Status, Style> = { pass: 'green', warn: 'yellow', fail: 'red', info: 'blue' };

export function statusTag(o: Pick<Output, 'color'>, s: Status): string {
  return paint(o, colour[s], mark[s]);
}

/** One line per check, as it completes (non-TTY progress). */
export function checkLine(o: Pick<Output, 'color'>, c: CheckResult): string {
  const worstFinding = c.findings.find((f) => f.status === c.status) ?? c.findings[0];
  return `${statusTag(o, c.status)} ${c.title}${worstFinding ? ` — ${worstFinding.message}` : ''} (${c.ms} ms)`;
}

export function summaryLine(r: AuditReport): string {
  if (r.unreachable) return `${r.domain} could not be audited: ${r.unreachable}`;
  const n = r.counts;
  return `${r.domain}: score ${r.score}/100 — ${n.fail} fail, ${n.warn} warn, ${n.pass} pass, ${n.info} info (${(r.ms / 1000).toFixed(1)} s)`;
}

export function plainReport(o: Pick<Output, 'color'>, r: AuditReport): string {
  const lines: string[] = [];
  for (const c of r.checks) {
    lines.push(`${statusTag(o, c.status)} ${paint(o, 'bold', c.title)}`);
    for (const f of sortFindings(c.findings)) {
      lines.push(`  ${statusTag(o, f.status)} ${f.subject}: ${f.message}`);
      if (f.fix && f.status !== 'pass') lines.push(`       ${paint(o, 'dim', `fix: ${f.fix}`)}`);
    }
  }
  if (lines.length > 0) lines.push('');
  lines.push(paint(o, 'bold', summaryLine(r)));
  return lines.join('\n');
}

const order: Record<Status, number> = { fail: 0, warn: 1, info: 2, pass: 3 };
function sortFindings(f: readonly Finding[]): Finding[] {
  return [...f].sort((a, b) => order[a.status] - order[b.status]);
}

const md = (s: string) => s.replace(/[|\\`*_<>]/g, (c) => `\\${c}`);

export function markdownReport(r: AuditReport): string {
  const out = [
    `# Mail security audit: ${r.domain}`,
    '',
    `**${md(summaryLine(r))}**`,
    '',
    `Started ${r.startedAt}.`,
    '',
  ];
  if (r.checks.length > 0) {
    out.push('| check | status |', '| --- | --- |');
    for (const c of r.checks) out.push(`| ${md(c.title)} | ${mark[c.status]} |`);
  }
  for (const c of r.checks) {
    out.push(
      '',
      `## ${md(c.title)}: ${mark[c.status]}`,
      '',
      '| status | subject | finding | fix |',
      '| --- | --- | --- | --- |',
    );
    for (const f of sortFindings(c.findings)) {
      out.push(
        `| ${mark[f.status]} | ${md(f.subject)} | ${md(f.message)} | ${f.fix && f.status !== 'pass' ? md(f.fix) : ''} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const htmlColour: Record<Status, string> = {
  pass: '#1a7f37',
  warn: '#9a6700',
  fail: '#cf222e',
  info: '#0969da',
};

export function htmlReport(r: AuditReport): string {
  const badge = (s: Status) => `<span class="b" style="background:${htmlColour[s]}">${mark[s]}</span>`;
  const sections = r.checks
    .map(
      (c) =>
        `<section><h2>${badge(c.status)} ${esc(c.title)}</h2><table><tbody>${sortFindings(c.findings)
          .map(
            (f) =>
              `<tr><td>${badge(f.status)}</td><td>${esc(f.subject)}</td><td>${esc(f.message)}${
                f.fix && f.status !== 'pass' ? `<div class="fix">fix: ${esc(f.fix)}</div>` : ''
              }</td></tr>`,
          )
          .join('')}</tbody></table></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mail security audit: ${esc(r.domain)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}
.b{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:4px 6px;vertical-align:top}
.fix{color:#555;font-size:13px}.score{font-size:2em;font-weight:700}</style></head>
<body><h1>Mail security audit: ${esc(r.domain)}</h1>
<p class="score">${r.unreachable ? 'not auditable' : `${r.score}/100`}</p><p>${esc(summaryLine(r))}</p>
<p>Started ${esc(r.startedAt)}.</p>
${sections}
</body></html>
`;
}
