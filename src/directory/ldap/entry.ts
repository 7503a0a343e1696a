/** Reading attribute values out of ldapts entries. */
import type { Entry } from 'ldapts';

export const ALIAS_CLASS = '(objectClass=nisMailAlias)';
export const DOMAIN_CLASS = '(objectClass=domainRelatedObject)';

const text = (x: unknown): string => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x));

export function first(e: Entry, attr: string): string | undefined {
  const v = attr ? e[attr] : undefined;
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? undefined : text(x);
}

export function all(e: Entry, attr: string): string[] {
  const v = e[attr];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(text);
}

/** LDAP GeneralizedTime 20261127184800Z → ISO 8601. */
export function isoTime(t?: string): string | undefined {
  const m = t ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/.exec(t) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : undefined;
}
