/** Escaping of untrusted values placed in LDAP filters (RFC 4515) and DNs (RFC 4514). */

/**
 * RFC 4515 §3: in an assertion value, `*`, `(`, `)`, `\` and NUL must be written as
 * `\2a`, `\28`, `\29`, `\5c`, `\00`. We also escape other control characters so log lines
 * stay readable. A user name like `*)(uid=*` therefore matches only itself.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '*' || ch === '(' || ch === ')' || ch === '\\' || c < 0x20 || c === 0x7f) {
      out += `\\${c.toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

/**
 * RFC 4514 §2.4: in an attribute value of a DN, escape `"`, `+`, `,`, `;`, `<`, `>`, `\`
 * and `=`; a leading `#` or space and a trailing space; NUL as `\00`.
 */
export function escapeDnValue(value: string): string {
  let out = '';
  const chars = [...value];
  chars.forEach((ch, i) => {
    if (ch === '\0') out += '\\00';
    else if ('"+,;<>\\='.includes(ch)) out += `\\${ch}`;
    else if ((i === 0 && (ch === '#' || ch === ' ')) || (i === chars.length - 1 && ch === ' '))
      out += `\\${ch}`;
    else out += ch;
  });
  return out;
}

/** `(&A B …)` of already-formed filters, tolerating a user filter written without parentheses. */
export function and(...filters: string[]): string {
  const wrapped = filters.filter(Boolean).map((f) => (f.startsWith('(') ? f : `(${f})`));
  return wrapped.length === 1 ? wrapped[0] : `(&${wrapped.join('')})`;
}

export function eq(attr: string, value: string): string {
  return `(${attr}=${escapeFilterValue(value)})`;
}
