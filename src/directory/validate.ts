/** Syntax of the names the directory stores: domains, addresses, alias keys. Canonical = lower-case ASCII. */
import { domainToASCII } from 'node:url';
import { MailctlError } from '../errors.js';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 5321 dot-atom local part (quoted local parts are legal but refused: no mail system handles them well). */
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Returns the canonical domain or undefined. IDNs become their xn-- form. */
export function canonicalDomain(input: string): string | undefined {
  const raw = input.trim().replace(/\.$/, '');
  if (raw === '' || raw.length > 253 || /[\s@]/.test(raw)) return undefined;
  const ascii = /^[\x21-\x7e]+$/.test(raw) ? raw.toLowerCase() : domainToASCII(raw);
  if (!ascii) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  if (/^\d+$/.test(labels[labels.length - 1])) return undefined;
  return ascii;
}

export function checkDomain(input: string): string {
  const d = canonicalDomain(input);
  if (!d) {
    throw new MailctlError('invalid-input', `"${input}" is not a valid domain name`, {
      hint: 'write a fully qualified name such as example.com (letters, digits, hyphens; at least one dot)',
    });
  }
  return d;
}

export function canonicalAddress(
  input: string,
): { address: string; local: string; domain: string } | undefined {
  const raw = input.trim();
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) return undefined;
  const local = raw.slice(0, at);
  const domain = canonicalDomain(raw.slice(at + 1));
  if (!domain || local.length > 64 || !LOCAL.test(local)) return undefined;
  const l = local.toLowerCase();
  return { address: `${l}@${domain}`, local: l, domain };
}

export function checkAddress(input: string): { address: string; local: string; domain: string } {
  const a = canonicalAddress(input);
  if (!a) {
    throw new MailctlError('invalid-input', `"${input}" is not a valid mail address`, {
      hint: 'write it as local@domain, e.g. alice@example.com (no spaces, no quotes, one @)',
    });
  }
  return a;
}

/** An alias key: a full address, or "@domain" for the domain's catch-all. */
export function checkAliasAddress(input: string): { address: string; domain: string; catchAll: boolean } {
  const raw = input.trim();
  if (raw.startsWith('@') || raw.startsWith('*@')) {
    const domain = checkDomain(raw.slice(raw.indexOf('@') + 1));
    return { address: `@${domain}`, domain, catchAll: true };
  }
  const a = checkAddress(raw);
  return { address: a.address, domain: a.domain, catchAll: false };
}

export function checkPassword(password: string, minLength: number): void {
  if ([...password].length < minLength) {
    throw new MailctlError(
      'invalid-input',
      `the password is too short (${[...password].length} characters)`,
      {
        hint: `use at least ${minLength} characters (directory.min_password_length)`,
      },
    );
  }
  if (/[\r\n\0]/.test(password)) {
    throw new MailctlError('invalid-input', 'the password contains a line break or NUL', {
      hint: 'protocols such as POP3 and IMAP LOGIN cannot carry these characters',
    });
  }
}

/** Splits an address that is known to be canonical. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
