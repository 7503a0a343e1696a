/** Password check shared by the backends: verify, refuse disabled accounts, upgrade old hashes. */
import { hashPassword, needsRehash, verifyPassword } from '../auth/password.js';
import type { Account, AuthResult } from './directory.js';

let dummy: Promise<string> | undefined;

export interface Credentials {
  account: Account;
  hash: string;
}

/**
 * `found` is undefined for an unknown user: we still run one hash so that the answer
 * takes about as long as for a known user (no user enumeration by timing).
 * `upgrade` stores a rehash; its failure (read-only LDAP bind) never fails the login.
 */
export async function checkLogin(
  found: Credentials | undefined,
  password: string,
  upgrade: (hash: string) => Promise<void>,
): Promise<AuthResult> {
  if (!found?.hash) {
    dummy ??= hashPassword('not-a-real-password');
    await verifyPassword(password, await dummy);
    return { ok: false, reason: 'unknown-user' };
  }
  if (!(await verifyPassword(password, found.hash))) return { ok: false, reason: 'bad-password' };
  if (found.account.disabled) return { ok: false, reason: 'disabled', account: found.account };
  if (needsRehash(found.hash)) {
    try {
      await upgrade(await hashPassword(password));
    } catch {
      // keep the old hash; the login itself succeeded
    }
  }
  return { ok: true, account: found.account };
}
