/**
 * Started as root (to bind 25, 465, 587 …), the daemon switches to an unprivileged user
 * once every port is bound: `run_as` from the config, else the owner of data_dir. A root
 * daemon with nobody to become keeps running but says so loudly, once.
 */

import { execFileSync } from 'node:child_process';
import { accessSync, chownSync, constants, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MailctlError } from '../errors.js';
import type { Logger } from './observe/logger.js';

export interface DropResult {
  dropped: boolean;
  uid?: number;
  gid?: number;
}

export function dropPrivileges(cfg: { run_as: string; data_dir: string }, log: Logger): DropResult {
  if (process.getuid?.() !== 0 || !process.setuid || !process.setgid) return { dropped: false };
  let user: string | number | undefined;
  let group: string | number | undefined;
  if (cfg.run_as) {
    [user, group] = cfg.run_as.split(':');
  } else {
    const st = statSync(cfg.data_dir);
    if (st.uid !== 0) {
      user = st.uid;
      group = st.gid;
    }
  }
  if (user === undefined) {
    log.warn(
      { data_dir: cfg.data_dir },
      'running as root: set run_as = "mail" (or chown data_dir to an unprivileged user) so the daemon drops privileges after binding',
    );
    return { dropped: false };
  }
  try {
    const { uid, gid } = resolveIds(user, group);
    // Files the daemon created as root while starting (SQLite, queue) must stay writable.
    handOver(cfg.data_dir, uid, gid);
    if (group !== undefined && group !== '') process.setgid(group);
    // Only the primary group: no supplementary groups inherited from root.
    process.setgroups?.([process.getgid?.() ?? 0]);
    process.setuid(user);
  } catch (e) {
    throw new MailctlError('config', `cannot switch to user ${cfg.run_as || user}: ${(e as Error).message}`, {
      where: 'run_as',
      hint: 'name an existing user (and group), e.g. run_as = "mail:mail"',
      cause: e,
    });
  }
  try {
    accessSync(cfg.data_dir, constants.W_OK);
  } catch {
    log.error(
      { data_dir: cfg.data_dir, uid: process.getuid() },
      `data_dir is not writable after dropping privileges: chown -R ${cfg.run_as || user} ${cfg.data_dir}`,
    );
  }
  const uid = process.getuid();
  const gid = process.getgid?.();
  log.info({ uid, gid }, 'dropped root privileges');
  return { dropped: true, uid, gid };
}

function resolveIds(user: string | number, group: string | number | undefined): { uid: number; gid: number } {
  const id = (flag: string, name: string | number) =>
    typeof name === 'number' ? name : Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  const uid = id('-u', user);
  const gid =
    group !== undefined && group !== ''
      ? typeof group === 'number'
        ? group
        : groupId(group)
      : id('-g', user);
  return { uid, gid };
}

function groupId(name: string): number {
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' }).trim();
  return Number(line.split(':')[2]);
}

/** chowns root-owned entries under dir (not descending into trees the user already owns). */
function handOver(dir: string, uid: number, gid: number): void {
  const st = lstatSync(dir);
  if (st.uid === uid) {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (lstatSync(p).uid !== 0) continue;
      if (e.isDirectory()) handOver(p, uid, gid);
      else chownSync(p, uid, gid);
    }
    return;
  }
  if (st.uid !== 0) return;
  chownSync(dir, uid, gid);
  if (st.isDirectory()) for (const e of readdirSync(dir)) handOver(join(dir, e), uid, gid);
}
