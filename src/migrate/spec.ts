/**
 * From the operator's --from/--to/--users options to one job per user: which source to
 * open with which login, which target account, and the journal scope that pairs them.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MailctlError } from '../errors.js';
import { connectImap, describeLogin, type ImapEndpoint, type ImapLogin } from './imap-connect.js';
import type { UserJob } from './run.js';
import { journalScope } from './scope.js';
import { ImapSource } from './sources/imap.js';
import { MaildirSource } from './sources/maildir.js';
import { MboxSource } from './sources/mbox.js';
import type { MboxFormat } from './sources/mbox-parse.js';
import { ImapTarget } from './targets/imap.js';
import type { Target } from './types.js';
import { discoverUsers, readUsersFile, type UserEntry } from './users.js';

export type Location =
  | { kind: 'imap'; endpoint: ImapEndpoint; user?: string; password?: string; label: string }
  | { kind: 'maildir' | 'mbox'; path: string; label: string };

export interface MigrateRequest {
  from: string;
  /** imap://… or undefined for the local store. */
  to?: string;
  usersFile?: string;
  /** Password for a single IMAP source user (--from-password-stdin). */
  fromPassword?: string;
  /** User name for a single Maildir/mbox source (default: the directory name). */
  sourceUser?: string;
  /** Domain appended to source user names without "@" for the local store. */
  targetDomain?: string;
  master?: { user: string; password: string; method: 'login' | 'plain' };
  oauth2Token?: string;
  toMaster?: { user: string; password: string };
  insecure: boolean;
  /** Never STARTTLS on imap:// (--no-starttls). */
  plain?: boolean;
  ca?: string;
  mboxFormat: MboxFormat;
  /** Migrate only these source users (from the CSV or the tree). */
  only?: string[];
}

export function parseLocation(
  spec: string,
  opts: { insecure: boolean; ca?: string; plain?: boolean },
  what: string,
): Location {
  const m = /^(imaps?):\/\//i.exec(spec);
  if (m) {
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new MailctlError('usage', `${what} is not a valid URL: ${spec}`, {
        hint: 'imap://user@host:143 or imaps://host:993',
      });
    }
    const secure = m[1].toLowerCase() === 'imaps';
    const port = url.port ? Number(url.port) : secure ? 993 : 143;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return {
      kind: 'imap',
      endpoint: {
        host,
        port,
        secure,
        insecure: opts.insecure,
        plain: opts.plain,
        ca: opts.ca ? readFileSync(opts.ca, 'utf8') : undefined,
      },
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      label: `${m[1].toLowerCase()}://${host}:${port}`,
    };
  }
  const f = /^(maildir|mbox):(.+)$/i.exec(spec);
  if (f)
    return {
      kind: f[1].toLowerCase() as 'maildir' | 'mbox',
      path: resolve(f[2]),
      label: `${f[1].toLowerCase()}:${resolve(f[2])}`,
    };
  throw new MailctlError(
    'usage',
    `${what} must be imap://…, imaps://…, maildir:PATH or mbox:PATH, got "${spec}"`,
    {
      hint: 'e.g. --from imaps://old.example.com or --from maildir:/var/mail/vhosts',
    },
  );
}

function entries(req: MigrateRequest, src: Location): UserEntry[] {
  if (req.usersFile) return readUsersFile(req.usersFile);
  if (src.kind === 'imap') {
    if (!src.user) {
      throw new MailctlError(
        'usage',
        'no user to migrate: give --users users.csv or --from imap://user@host',
        {
          hint: 'the CSV has a header row: source_user,source_password,target_user',
        },
      );
    }
    return [{ sourceUser: src.user, sourcePassword: src.password ?? req.fromPassword, targetUser: src.user }];
  }
  const found = discoverUsers(src.kind, src.path);
  return found.map((u) => {
    const name = found.length === 1 && req.sourceUser ? req.sourceUser : u.user;
    return { sourceUser: name, targetUser: name };
  });
}

function sourceLogin(req: MigrateRequest, e: UserEntry): ImapLogin {
  if (e.sourceToken ?? req.oauth2Token)
    return { kind: 'xoauth2', user: e.sourceUser, token: (e.sourceToken ?? req.oauth2Token)! };
  if (req.master)
    return {
      kind: 'master',
      user: e.sourceUser,
      master: req.master.user,
      password: req.master.password,
      method: req.master.method,
    };
  if (e.sourcePassword !== undefined)
    return { kind: 'password', user: e.sourceUser, password: e.sourcePassword };
  throw new MailctlError('usage', `no password for source user ${e.sourceUser}`, {
    hint: 'fill source_password in the CSV, use --from-password-stdin, --master USER, or --oauth2-token-file',
  });
}

function targetUserFor(e: UserEntry, req: MigrateRequest, storeTarget: boolean): string {
  if (!storeTarget || e.targetUser.includes('@')) return e.targetUser;
  if (!req.targetDomain) {
    throw new MailctlError('usage', `target user "${e.targetUser}" has no domain`, {
      hint: 'give --target-domain example.com, or full addresses in the CSV target_user column',
    });
  }
  return `${e.targetUser}@${req.targetDomain}`.toLowerCase();
}

export interface BuiltJobs {
  source: Location;
  target?: Location;
  jobs: (UserJob & { entry: UserEntry })[];
}

/** One job per user; `storeTarget` opens the local store target for a user when --to is absent. */
export function buildJobs(req: MigrateRequest, storeTarget?: (user: string) => Promise<Target>): BuiltJobs {
  const tls = { insecure: req.insecure, ca: req.ca, plain: req.plain };
  const source = parseLocation(req.from, tls, '--from');
  const target = req.to ? parseLocation(req.to, tls, '--to') : undefined;
  if (target && target.kind !== 'imap') {
    throw new MailctlError('usage', '--to must be imap://… or imaps://… (leave it out for the local store)');
  }
  let list = entries(req, source);
  if (req.only?.length) list = list.filter((e) => req.only!.includes(e.sourceUser));
  const jobs = list.map((e) => {
    const targetUser = targetUserFor(e, req, !target);
    const job: UserJob & { entry: UserEntry } = {
      entry: e,
      sourceUser: e.sourceUser,
      targetUser,
      scope: journalScope(source.label, e.sourceUser, target?.label ?? 'store', targetUser),
      openSource: async () => {
        if (source.kind === 'imap') {
          const login = sourceLogin(req, e);
          const client = await connectImap(source.endpoint, login);
          return new ImapSource(e.sourceUser, client, `${source.label} (${describeLogin(login)})`);
        }
        const path = source.kind === 'maildir' || source.kind === 'mbox' ? pathFor(source, e.sourceUser) : '';
        return source.kind === 'maildir'
          ? new MaildirSource(e.sourceUser, path)
          : new MboxSource(e.sourceUser, path, req.mboxFormat);
      },
      openTarget: async () => {
        if (target?.kind !== 'imap') {
          if (!storeTarget) throw new MailctlError('bug', 'no store target available');
          return storeTarget(targetUser);
        }
        const login: ImapLogin = req.toMaster
          ? {
              kind: 'master',
              user: targetUser,
              master: req.toMaster.user,
              password: req.toMaster.password,
              method: 'login',
            }
          : { kind: 'password', user: targetUser, password: e.targetPassword ?? target.password ?? '' };
        const client = await connectImap(target.endpoint, login);
        return ImapTarget.open(targetUser, client, `${target.label} (${describeLogin(login)})`);
      },
    };
    return job;
  });
  return { source, target, jobs };
}

function pathFor(source: Location & { kind: 'maildir' | 'mbox' }, user: string): string {
  const found = discoverUsers(source.kind, source.path);
  if (found.length === 1) return found[0].path;
  const hit = found.find((u) => u.user === user);
  if (!hit)
    throw new MailctlError('not-found', `no mailbox for user ${user} under ${source.path}`, {
      where: source.path,
    });
  return hit.path;
}
