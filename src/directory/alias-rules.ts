/** The rules for a new alias, shared by every backend so they refuse the same things the same way. */
import { MailctlError } from '../errors.js';
import { checkAddress, checkAliasAddress } from './validate.js';

export interface AliasLookups {
  isLocalDomain(domain: string): Promise<boolean>;
  isAccount(address: string): Promise<boolean>;
}

/** Validates an alias and its targets; returns the canonical key and de-duplicated targets. */
export async function checkNewAlias(
  l: AliasLookups,
  address: string,
  targets: string[],
): Promise<{ address: string; domain: string; catchAll: boolean; targets: string[] }> {
  const k = checkAliasAddress(address);
  if (!(await l.isLocalDomain(k.domain))) {
    throw new MailctlError('not-found', `${k.domain} is not a local domain`, {
      hint: `add it first with \`mailctl domains add ${k.domain}\``,
    });
  }
  if (targets.length === 0) {
    throw new MailctlError('invalid-input', 'an alias needs at least one target address', {
      hint: 'e.g. `mailctl aliases add sales@example.com alice@example.com bob@example.org`',
    });
  }
  const canon = [...new Set(targets.map((t) => checkAddress(t).address))];
  if (!k.catchAll && (await l.isAccount(k.address))) {
    throw new MailctlError('exists', `${k.address} is an account, not an alias`, {
      hint: 'an address is either an account or an alias',
    });
  }
  if (canon.includes(k.address)) {
    throw new MailctlError('invalid-input', `alias ${k.address} cannot point at itself`, {
      hint: 'list the accounts or outside addresses that should get its mail',
    });
  }
  return { ...k, targets: canon };
}

/** The error for removing a target an alias does not have. */
export function notATarget(alias: string, target: string, targets: string[]): MailctlError {
  return new MailctlError('not-found', `alias ${alias} does not point at ${target}`, {
    hint: `its targets: ${targets.join(', ')}`,
  });
}

export function noSuchAlias(alias: string): MailctlError {
  return new MailctlError('not-found', `no alias ${alias}`, { hint: 'see `mailctl aliases list`' });
}
