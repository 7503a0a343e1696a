/** Recipient resolution shared by every backend: the rules live once, the lookups differ. */
import type { Account, Alias, Recipient } from './directory.js';
import { canonicalAddress } from './validate.js';

export interface Lookups {
  isLocalDomain(domain: string): Promise<boolean>;
  getAccount(address: string): Promise<Account | undefined>;
  getAlias(address: string): Promise<Alias | undefined>;
}

/**
 * Order: exact account, exact alias, then the same for the address without its
 * "+detail" (sub-addressing), then the domain catch-all. Anything else in a local
 * domain is unknown-local (the SMTP layer answers 550 5.1.1).
 */
export async function resolveRecipient(l: Lookups, input: string): Promise<Recipient> {
  const a = canonicalAddress(input);
  if (!a) return { kind: 'unknown-local' };
  if (!(await l.isLocalDomain(a.domain))) return { kind: 'remote' };
  const candidates = [a.address];
  const plus = a.local.indexOf('+');
  if (plus > 0) candidates.push(`${a.local.slice(0, plus)}@${a.domain}`);
  for (const c of candidates) {
    const account = await l.getAccount(c);
    if (account) return { kind: 'account', account };
    const alias = await l.getAlias(c);
    if (alias) return { kind: 'alias', alias, targets: alias.targets };
  }
  const catchAll = await l.getAlias(`@${a.domain}`);
  if (catchAll) return { kind: 'alias', alias: catchAll, targets: catchAll.targets };
  return { kind: 'unknown-local' };
}
