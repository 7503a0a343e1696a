/**
 * "Investigate the old server first": reads the source only and reports per user what is
 * there and what is odd — undecodable folder names, messages without Message-ID,
 * Message-IDs used more than once, messages over the target's size limit, mbox lines
 * that look broken — plus an IMAP source's capabilities.
 */
import { isMailctlError } from '../errors.js';
import type { UserJob } from './run.js';
import type { Source } from './types.js';

export interface SurveyFolder {
  name: string;
  raw: string;
  specialUse?: string;
  subscribed: boolean;
  messages: number;
  bytes: number;
  oldest?: string;
  newest?: string;
}

export interface SurveyUser {
  user: string;
  status: 'ok' | 'failed';
  error?: { code: string; message: string; where?: string; hint?: string };
  capabilities: string[];
  folders: SurveyFolder[];
  messages: number;
  bytes: number;
  largest: { folder: string; key: string; size: number }[];
  withoutMessageId: number;
  duplicateMessageIds: { messageId: string; count: number }[];
  overSize: { folder: string; key: string; size: number }[];
  oddities: string[];
}

export interface SurveyReport {
  source: string;
  users: SurveyUser[];
  totals: { users: number; failed: number; folders: number; messages: number; bytes: number };
}

export async function surveyUser(job: UserJob, maxMessageSize: number): Promise<SurveyUser> {
  const u: SurveyUser = {
    user: job.sourceUser,
    status: 'ok',
    capabilities: [],
    folders: [],
    messages: 0,
    bytes: 0,
    largest: [],
    withoutMessageId: 0,
    duplicateMessageIds: [],
    overSize: [],
    oddities: [],
  };
  let source: Source | undefined;
  try {
    source = await job.openSource();
    u.capabilities = source.capabilities();
    const ids = new Map<string, number>();
    const all: { folder: string; key: string; size: number }[] = [];
    for (const f of await source.folders()) {
      const name = f.path.join('/');
      if (f.nameProblem) u.oddities.push(f.nameProblem);
      const l = await source.list(f, { messageIds: true });
      u.oddities.push(...l.problems);
      const sf: SurveyFolder = {
        name,
        raw: f.raw,
        specialUse: f.specialUse,
        subscribed: f.subscribed,
        messages: l.messages.length,
        bytes: 0,
      };
      let oldest = Number.POSITIVE_INFINITY;
      let newest = 0;
      for (const m of l.messages) {
        sf.bytes += m.size;
        oldest = Math.min(oldest, m.internalDate.getTime());
        newest = Math.max(newest, m.internalDate.getTime());
        if (m.messageId === null) u.withoutMessageId++;
        else if (m.messageId) ids.set(m.messageId, (ids.get(m.messageId) ?? 0) + 1);
        all.push({ folder: name, key: m.key, size: m.size });
        if (maxMessageSize > 0 && m.size > maxMessageSize)
          u.overSize.push({ folder: name, key: m.key, size: m.size });
      }
      if (l.messages.length) {
        sf.oldest = new Date(oldest).toISOString();
        sf.newest = new Date(newest).toISOString();
      }
      u.folders.push(sf);
      u.messages += sf.messages;
      u.bytes += sf.bytes;
    }
    u.largest = all.sort((a, b) => b.size - a.size).slice(0, 5);
    u.duplicateMessageIds = [...ids]
      .filter(([, n]) => n > 1)
      .map(([messageId, count]) => ({ messageId, count }));
  } catch (e) {
    u.status = 'failed';
    u.error = isMailctlError(e) ? e.toJSON() : { code: 'bug', message: String(e) };
  } finally {
    await source?.close().catch(() => undefined);
  }
  return u;
}

export async function runSurvey(
  label: string,
  jobs: UserJob[],
  opts: { parallel: number; maxMessageSize: number },
): Promise<SurveyReport> {
  const users: SurveyUser[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      users[i] = await surveyUser(jobs[i], opts.maxMessageSize);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, jobs.length)) }, worker));
  return {
    source: label,
    users,
    totals: {
      users: users.length,
      failed: users.filter((u) => u.status === 'failed').length,
      folders: users.reduce((a, u) => a + u.folders.length, 0),
      messages: users.reduce((a, u) => a + u.messages, 0),
      bytes: users.reduce((a, u) => a + u.bytes, 0),
    },
  };
}
