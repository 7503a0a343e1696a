/** Renders run and survey reports: terminal tables, and a Markdown or HTML file for the change ticket. */
import { formatBytes } from '../proto/units.js';
import type { RunReport, UserReport } from './run.js';
import type { SurveyReport } from './survey.js';
import type { FolderVerification } from './verify.js';

export interface Row {
  [k: string]: string | number;
}

export function userRows(r: RunReport): Row[] {
  return r.users.map((u) => {
    const v = verifySummary(u);
    return {
      user: u.sourceUser === u.targetUser ? u.sourceUser : `${u.sourceUser} → ${u.targetUser}`,
      status: u.status,
      folders: u.folders.length,
      source: `${u.sourceMessages} / ${formatBytes(u.sourceBytes)}`,
      copied: `${u.copied} / ${formatBytes(u.copiedBytes)}`,
      errors: u.folders.reduce((a, f) => a + f.errors.length, 0),
      verify: r.verified ? v : '-',
      seconds: u.seconds.toFixed(1),
      note: u.error ? `${u.error.message}${u.error.where ? ` (${u.error.where})` : ''}` : '',
    };
  });
}

function verifySummary(u: UserReport): string {
  const vs = u.folders.map((f) => f.verify).filter((v): v is FolderVerification => Boolean(v));
  if (u.status === 'failed') return 'not run';
  const n = (f: (v: FolderVerification) => number) => vs.reduce((a, v) => a + f(v), 0);
  const parts = [
    ['missing', n((v) => v.missing.length)],
    ['extra', n((v) => v.extra)],
    ['duplicated', n((v) => v.duplicated)],
    ['content', n((v) => v.contentMismatch.length)],
    ['flags', n((v) => v.flagMismatch.length)],
    ['dates', n((v) => v.dateMismatch.length)],
  ].filter(([, c]) => Number(c) > 0);
  return parts.length ? parts.map(([k, c]) => `${c} ${k}`).join(', ') : 'clean';
}

export function summaryLines(r: RunReport): string[] {
  const lines = [
    `${r.mode === 'rehearse' ? 'rehearsal' : 'migration'} to ${r.target}: ${r.totals.users} user(s), ${r.totals.failed} failed, ` +
      `${r.totals.copied} message(s) / ${formatBytes(r.totals.copiedBytes)} copied in ${r.seconds.toFixed(1)} s ` +
      `(${r.throughput.messagesPerSecond.toFixed(0)} msg/s, ${formatBytes(r.throughput.bytesPerSecond)}/s)`,
  ];
  if (r.projection) {
    lines.push(
      `projected real run: ${formatDuration(r.projection.seconds)} for ${r.projection.users} user(s), ` +
        `${r.projection.messages} message(s), ${formatBytes(r.projection.bytes)} (${r.projection.basis})`,
    );
  }
  if (r.verified)
    lines.push(r.clean ? 'verification: clean' : 'verification: DIFFERENCES FOUND (see the report)');
  return lines;
}

export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}

/** Per user, per folder details as Markdown (the HTML file wraps the same tables). */
export function markdown(r: RunReport): string {
  const out = [
    `# mailctl migrate ${r.mode === 'rehearse' ? 'rehearsal' : 'run'} report`,
    '',
    `Started ${r.startedAt}.`,
    '',
  ];
  for (const l of summaryLines(r)) out.push(`- ${l}`);
  out.push(
    '',
    '| user | status | folders | source | copied | errors | verification | seconds | note |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of userRows(r))
    out.push(
      `| ${Object.values(row)
        .map((v) => esc(String(v)))
        .join(' | ')} |`,
    );
  for (const u of r.users) {
    out.push('', `## ${esc(u.sourceUser)} → ${esc(u.targetUser)}`, '');
    if (u.error)
      out.push(`**failed**: ${esc(u.error.message)}${u.error.hint ? ` — ${esc(u.error.hint)}` : ''}`, '');
    out.push(
      '| source folder | target folder | source msgs | source bytes | target msgs | copied | already | missing | extra | duplicated | flag diffs | date diffs |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const f of u.folders) {
      const v = f.verify;
      out.push(
        `| ${esc(f.source)} | ${esc(f.target)} | ${f.sourceMessages} | ${formatBytes(f.sourceBytes)} | ${v?.targetMessages ?? '-'} | ${f.copied} | ${f.known} | ` +
          `${v?.missing.length ?? '-'} | ${v?.extra ?? '-'} | ${v?.duplicated ?? '-'} | ${v?.flagMismatch.length ?? '-'} | ${v?.dateMismatch.length ?? '-'} |`,
      );
    }
    const details = u.folders.flatMap((f) => [
      ...f.errors.map((e) => `${f.source}: error: ${e}`),
      ...f.problems.map((e) => `${f.source}: ${e}`),
      ...(f.note ? [`${f.source}: ${f.note}`] : []),
      ...(f.verify
        ? [...f.verify.contentMismatch, ...f.verify.flagMismatch, ...f.verify.dateMismatch]
            .slice(0, 20)
            .map((e) => `${f.source}: ${e}`)
        : []),
      ...(f.verify?.missing.slice(0, 20).map((k) => `${f.source}: missing ${k}`) ?? []),
    ]);
    if (details.length) out.push('', ...details.map((d) => `- ${esc(d)}`));
  }
  return `${out.join('\n')}\n`;
}

export function html(r: RunReport): string {
  // Markdown tables → HTML tables, enough for a report file opened in a browser.
  const body = markdown(r)
    .split('\n')
    .map((l) => {
      if (l.startsWith('# ')) return `<h1>${l.slice(2)}</h1>`;
      if (l.startsWith('## ')) return `<h2>${l.slice(3)}</h2>`;
      if (l.startsWith('|---')) return '';
      if (l.startsWith('| '))
        return `<tr>${l
          .slice(2, -2)
          .split(' | ')
          .map((c) => `<td>${c}</td>`)
          .join('')}</tr>`;
      if (l.startsWith('- ')) return `<li>${l.slice(2)}</li>`;
      return l ? `<p>${l}</p>` : '';
    })
    .join('\n')
    .replace(/(<tr>[\s\S]*?<\/tr>)(?!\n<tr>)/g, '$1</table>')
    .replace(/(?<!<\/tr>\n)<tr>/g, '<table border="1" cellspacing="0" cellpadding="3"><tr>');
  return `<!doctype html><html><head><meta charset="utf-8"><title>mailctl migrate report</title></head><body>\n${body}\n</body></html>\n`;
}

export function surveyRows(s: SurveyReport): Row[] {
  return s.users.map((u) => ({
    user: u.user,
    status: u.status,
    folders: u.folders.length,
    messages: u.messages,
    size: formatBytes(u.bytes),
    'no Message-ID': u.withoutMessageId,
    'dup Message-IDs': u.duplicateMessageIds.length,
    'over size': u.overSize.length,
    oddities: u.oddities.length,
    note: u.error ? u.error.message : '',
  }));
}
