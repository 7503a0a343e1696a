/**
 * Started as root (to bind 25, 465, 587 …), the daemon switches to an unprivileged user
 * once every port is bound: `run_as` from the config, else the owner of data_dir. A root
 * daemon with nobody to become keeps running but says so loudly, once.
 */
import { accessSync, constants, statSync } from 'node:fs';
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
