/**
 * IMAP folder names ↔ Maildir++ directories. The only place that turns a client-supplied
 * name into a path, so it is also where path traversal is refused.
 *
 * "INBOX" (any case) is the Maildir root; "A.B" is the directory ".A.B" with each
 * component in modified UTF-7 (Dovecot's maildir layout with the "." separator).
 */
import { join } from 'node:path';
import { MailctlError } from '../../errors.js';
import { decodeMutf7, encodeMutf7 } from '../../proto/mutf7.js';

export const SEPARATOR = '.';
const MAX_NAME = 512;

export function isInbox(folder: string): boolean {
  return folder.toUpperCase() === 'INBOX';
}

/** Canonical form: "INBOX" upper-cased, everything else as given. Throws on unsafe names. */
export function checkFolderName(folder: string): string {
  const bad = (why: string) =>
    new MailctlError('invalid-input', `folder name ${JSON.stringify(folder)} is not allowed: ${why}`, {
      hint: 'use names without "/", control characters, empty levels ("..") or a leading "."',
    });
  if (isInbox(folder)) return 'INBOX';
  if (folder.length === 0) throw bad('empty');
  if (folder.length > MAX_NAME) throw bad('too long');
  if (folder.includes('/') || folder.includes('\\')) throw bad('contains a slash');
  if (/[\u0000-\u001f\u007f]/.test(folder)) throw bad('contains a control character');
  if (folder.startsWith('.') || folder.endsWith('.') || folder.includes('..')) {
    throw bad('has an empty hierarchy level');
  }
  if (folder.split(SEPARATOR).some((c) => c === '~' || c.trim() === '')) throw bad('has a blank level');
  return folder;
}

/** Directory name below the Maildir root: "" for INBOX, ".Sent", ".&MMgw6TDIMOwwpA-" … */
export function folderDirName(folder: string): string {
  const name = checkFolderName(folder);
  if (name === 'INBOX') return '';
  const dir = `.${name.split(SEPARATOR).map(encodeMutf7).join(SEPARATOR)}`;
  if (Buffer.byteLength(dir) > 255) {
    throw new MailctlError(
      'invalid-input',
      `folder name is too long for the file system (${Buffer.byteLength(dir)} > 255 bytes encoded)`,
      {
        hint: 'use a shorter name or fewer levels',
      },
    );
  }
  return dir;
}

export function folderPath(root: string, folder: string): string {
  const d = folderDirName(folder);
  return d === '' ? root : join(root, d);
}

/** ".Sent.2024" → "Sent.2024"; undefined for entries that are not folders (or undecodable). */
export function folderFromDirName(dirName: string): string | undefined {
  if (!dirName.startsWith('.') || dirName === '.' || dirName === '..') return undefined;
  try {
    const name = dirName
      .slice(1)
      .split(SEPARATOR)
      .map((c) => decodeMutf7(c))
      .join(SEPARATOR);
    return checkFolderName(name);
  } catch {
    return undefined;
  }
}

/** "user@example.com" → ["example.com", "user"], refusing anything that could leave the mail root. */
export function userParts(user: string): { domain: string; local: string } {
  const at = user.lastIndexOf('@');
  const local = at > 0 ? user.slice(0, at) : '';
  const domain = at > 0 ? user.slice(at + 1) : '';
  const safe = (s: string) =>
    s.length > 0 && s.length <= 255 && s !== '.' && s !== '..' && !/[/\\\u0000-\u001f\u007f]/.test(s);
  if (!safe(local) || !safe(domain)) {
    throw new MailctlError('invalid-input', `not a usable mailbox address: ${JSON.stringify(user)}`, {
      hint: 'expected local@domain without "/" or control characters',
    });
  }
  return { domain: domain.toLowerCase(), local: local.toLowerCase() };
}
