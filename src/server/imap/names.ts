/**
 * Mailbox names between the wire (modified UTF-7, "." hierarchy separator, as Dovecot
 * shows a Maildir++ store) and the store (UTF-8, same separator). Names that could
 * escape the user's directory or confuse the Maildir++ layout are refused here, before
 * the store sees them: "..", "/", "\", control characters, empty levels.
 */
import { decodeMutf7, encodeMutf7 } from '../../proto/mutf7.js';

export const SEPARATOR = '.';

export class BadMailboxName extends Error {}

/** Wire name → store name; INBOX in any case is "INBOX". Throws BadMailboxName. */
export function fromWire(wire: string): string {
  if (wire.length === 0) throw new BadMailboxName('empty mailbox name');
  if (wire.length > 512) throw new BadMailboxName('mailbox name too long');
  let name: string;
  try {
    name = decodeMutf7(wire);
  } catch {
    throw new BadMailboxName('mailbox name is not valid modified UTF-7');
  }
  if (/[\x00-\x1f\x7f/\\]/.test(name) || name.includes('\u0085') || /[\u2028\u2029]/.test(name))
    throw new BadMailboxName('mailbox name contains "/", "\\" or a control character');
  if (name.includes('..') || name.startsWith('.') || name.endsWith('.'))
    throw new BadMailboxName('mailbox name has an empty hierarchy level');
  if (name.split('.').some((l) => l.trim() === '' || l === '~' || l.startsWith('~')))
    throw new BadMailboxName('mailbox name has an empty or reserved hierarchy level');
  if (/^inbox$/i.test(name)) return 'INBOX';
  if (/^inbox\./i.test(name)) return `INBOX${name.slice(5)}`;
  return name;
}

export function toWire(name: string): string {
  return encodeMutf7(name);
}

/**
 * LIST/LSUB pattern matching (RFC 3501 6.3.8): "*" matches anything, "%" anything but the
 * separator. Matching is on wire names; INBOX matches case-insensitively.
 */
export function patternMatcher(reference: string, pattern: string): (wireName: string) => boolean {
  let full = pattern;
  if (reference && !pattern.startsWith(SEPARATOR)) full = reference + pattern;
  // INBOX is case-insensitive: spell it canonically in the pattern.
  if (/^inbox(\.|$)/i.test(full)) full = `INBOX${full.slice(5)}`;
  let re = '';
  for (const ch of full) {
    if (ch === '*') re += '.*';
    else if (ch === '%') re += '[^.]*';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const rx = new RegExp(`^${re}$`, 's');
  return (name) => rx.test(name);
}
