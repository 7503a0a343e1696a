/**
 * Envelope address syntax (RFC 5321 §4.1.2 Mailbox, RFC 6531 for UTF-8) with the relay
 * tricks named, so a recipient that tries to route through us is refused by reason:
 * %-hack (user%remote@local), bang paths (remote!user@local), source routes (@a,@b:u@c),
 * quoted local parts hiding an "@" ("u@remote"@local) and doubled "@" (u@local@remote).
 */

export type AddressProblem =
  | 'empty'
  | 'too-long'
  | 'source-route'
  | 'percent-hack'
  | 'bang-path'
  | 'quoted-at'
  | 'multiple-at'
  | 'no-domain'
  | 'bad-local-part'
  | 'bad-domain'
  | 'address-literal';

/** Problems that are attempts to route mail through us rather than plain syntax errors. */
export const relayTricks: ReadonlySet<AddressProblem> = new Set([
  'source-route',
  'percent-hack',
  'bang-path',
  'quoted-at',
  'multiple-at',
]);

export interface EnvelopeAddress {
  /** Local part as given (case kept; quoted form without the quotes). */
  local: string;
  /** Domain, lower-case, no trailing dot. */
  domain: string;
  /** local@domain with the domain lower-cased. */
  address: string;
}

export type ParsedAddress = { ok: true; value: EnvelopeAddress } | { ok: false; problem: AddressProblem };

// atext of RFC 5322 plus any non-ASCII (SMTPUTF8); "%" and "!" are atext but refused below.
const atext = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\uFFFF]+$/u;
const label = /^(?!-)[A-Za-z0-9\u0080-\uFFFF-]{1,63}(?<!-)$/u;

function fail(problem: AddressProblem): ParsedAddress {
  return { ok: false, problem };
}

/** Splits a quoted local part: returns [content, rest] or undefined when unterminated. */
function splitQuoted(s: string): [string, string] | undefined {
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      if (i + 1 >= s.length) return undefined;
      out += s[++i];
    } else if (c === '"') {
      return [out, s.slice(i + 1)];
    } else {
      out += c;
    }
  }
  return undefined;
}

function validDomain(d: string): boolean {
  if (d.length === 0 || d.length > 253) return false;
  return d.split('.').every((l) => label.test(l));
}

/** Parses the address inside <…> of MAIL FROM / RCPT TO (without the brackets). */
export function parseEnvelopeAddress(input: string): ParsedAddress {
  const s = input.trim().replace(/^<(.*)>$/s, '$1');
  if (s === '') return fail('empty');
  if (/[\x00-\x20\x7f]/.test(s.replace(/"[^"]*"/g, ''))) return fail('bad-local-part');
  if (s.length > 254) return fail('too-long');
  if (s.startsWith('@')) return fail('source-route');
  let local: string;
  let rest: string;
  if (s.startsWith('"')) {
    const q = splitQuoted(s);
    if (!q) return fail('bad-local-part');
    [local, rest] = q;
    if (/[@%!]/.test(local)) return fail('quoted-at');
    if (/[\x00-\x1f\x7f]/.test(local)) return fail('bad-local-part');
    if (!rest.startsWith('@')) return fail(rest === '' ? 'no-domain' : 'bad-local-part');
    rest = rest.slice(1);
  } else {
    const at = s.lastIndexOf('@');
    if (at < 0) return fail(s.includes('!') ? 'bang-path' : s.includes('%') ? 'percent-hack' : 'no-domain');
    local = s.slice(0, at);
    rest = s.slice(at + 1);
    if (local.includes('@')) return fail('multiple-at');
    if (local.includes('!')) return fail('bang-path');
    if (local.includes('%')) return fail('percent-hack');
    if (local === '' || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
      return fail('bad-local-part');
    }
    if (!local.split('.').every((a) => atext.test(a))) return fail('bad-local-part');
  }
  if (local.length > 64) return fail('too-long');
  if (rest.includes('@')) return fail('multiple-at');
  if (rest.startsWith('[')) return fail('address-literal');
  const domain = rest.replace(/\.$/, '').toLowerCase();
  if (!validDomain(domain)) return fail('bad-domain');
  const shown = local.split('.').every((a) => atext.test(a))
    ? local
    : `"${local.replace(/(["\\])/g, '\\$1')}"`;
  return { ok: true, value: { local, domain, address: `${shown}@${domain}` } };
}

/** Canonical lookup key: lower-case local part and domain. */
export function canonicalAddress(a: EnvelopeAddress): string {
  return `${a.local.toLowerCase()}@${a.domain}`;
}
