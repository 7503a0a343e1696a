/** Checks that an account could be created, without creating it (CLI asks for the password after). */
import { MailctlError } from '../errors.js';
import type { Directory } from './directory.js';
import { checkAddress } from './validate.js';

export async function precheckNewAccount(d: Directory, address: string): Promise<string> {
  const a = checkAddress(address);
  if (!(await d.isLocalDomain(a.domain))) {
    throw new MailctlError('not-found', `${a.domain} is not a local domain`, {
      hint: `add it first with \`mailctl domains add ${a.domain}\``,
    });
  }
  if (await d.getAccount(a.address)) {
    throw new MailctlError('exists', `account ${a.address} already exists`, {
      hint: 'change its password with `mailctl accounts passwd`',
    });
  }
  return a.address;
}
