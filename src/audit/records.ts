/**
 * Tag=value records: DKIM keys (RFC 6376 §3.6.1), DMARC policies (RFC 7489 §6.3),
 * MTA-STS and TLS-RPT TXT records. Pure parsing with a list of problems, no DNS.
 */
import { createPublicKey } from 'node:crypto';

/** "a=1; b = 2;" → Map; duplicate tags are reported (they make the record invalid). */
export function parseTags(txt: string): { tags: Map<string, string>; order: string[]; errors: string[] } {
  const tags = new Map<string, string>();
  const order: string[] = [];
  const errors: string[] = [];
  for (const part of txt.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      errors.push(`"${part.trim()}" is not tag=value`);
      continue;
    }
    const k = part.slice(0, eq).trim().toLowerCase();
    const v = part.slice(eq + 1).trim();
    if (!/^[a-z][a-z0-9_]*$/.test(k)) errors.push(`bad tag name "${k}"`);
    if (tags.has(k)) errors.push(`tag ${k}= given twice`);
    tags.set(k, v);
    order.push(k);
  }
  return { tags, order, errors };
}

export interface DkimKey {
  version?: string;
  keyType: string;
  /** Empty = revoked key. */
  publicKey: string;
  testing: boolean;
  /** Bits for RSA; 256 for Ed25519. */
  bits?: number;
  errors: string[];
}

export function parseDkim(txt: string): DkimKey {
  const { tags, order, errors } = parseTags(txt);
  const version = tags.get('v');
  if (version !== undefined && version !== 'DKIM1') errors.push(`v=${version} (must be DKIM1)`);
  if (version !== undefined && order[0] !== 'v') errors.push('v= must be the first tag');
  const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
  if (!['rsa', 'ed25519'].includes(keyType)) errors.push(`unknown key type k=${keyType}`);
  const p = tags.get('p');
  if (p === undefined) errors.push('no p= (public key) tag');
  const publicKey = (p ?? '').replace(/\s+/g, '');
  const testing = (tags.get('t') ?? '').split(':').some((f) => f.trim() === 'y');
  const key: DkimKey = { version, keyType, publicKey, testing, errors };
  if (publicKey && keyType === 'rsa') {
    key.bits = rsaBits(publicKey);
    if (key.bits === undefined) errors.push('p= is not a valid RSA public key');
  } else if (publicKey && keyType === 'ed25519') {
    if (Buffer.from(publicKey, 'base64').length !== 32) errors.push('p= is not a 32-byte Ed25519 key');
    key.bits = 256;
  }
  return key;
}

/** Modulus length of a base64 RSA key (SubjectPublicKeyInfo, or bare RSAPublicKey as some signers publish). */
export function rsaBits(b64: string): number | undefined {
  const der = Buffer.from(b64, 'base64');
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const k = createPublicKey({ key: der, format: 'der', type });
      return k.asymmetricKeyDetails?.modulusLength;
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface Dmarc {
  policy?: DmarcPolicy;
  subdomainPolicy?: DmarcPolicy;
  pct: number;
  rua: string[];
  ruf: string[];
  adkim: 'r' | 's';
  aspf: 'r' | 's';
  errors: string[];
}

const policies = new Set(['none', 'quarantine', 'reject']);

export function parseDmarc(txt: string): Dmarc {
  const { tags, order, errors } = parseTags(txt);
  if (tags.get('v') !== 'DMARC1' || order[0] !== 'v') errors.push('must start with v=DMARC1');
  const pol = (name: string): DmarcPolicy | undefined => {
    const v = tags.get(name)?.toLowerCase();
    if (v === undefined) return undefined;
    if (!policies.has(v)) {
      errors.push(`${name}=${v} is not none, quarantine or reject`);
      return undefined;
    }
    return v as DmarcPolicy;
  };
  const policy = pol('p');
  if (!tags.has('p')) errors.push('no p= policy tag');
  else if (order[1] !== 'p') errors.push('p= should directly follow v=DMARC1');
  const pctText = tags.get('pct') ?? '100';
  const pct = /^\d{1,3}$/.test(pctText) && Number(pctText) <= 100 ? Number(pctText) : Number.NaN;
  if (Number.isNaN(pct)) errors.push(`pct=${pctText} is not 0–100`);
  const uris = (name: string): string[] => {
    const v = tags.get(name);
    if (!v) return [];
    const list = v
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    for (const u of list)
      if (!/^mailto:[^@\s]+@[^@\s!]+(![0-9]+[kmgt]?)?$/i.test(u))
        errors.push(`${name}: "${u}" is not a mailto: URI`);
    return list;
  };
  const align = (name: string): 'r' | 's' => {
    const v = (tags.get(name) ?? 'r').toLowerCase();
    if (v !== 'r' && v !== 's') errors.push(`${name}=${v} must be r or s`);
    return v === 's' ? 's' : 'r';
  };
  return {
    policy,
    subdomainPolicy: pol('sp'),
    pct: Number.isNaN(pct) ? 100 : pct,
    rua: uris('rua'),
    ruf: uris('ruf'),
    adkim: align('adkim'),
    aspf: align('aspf'),
    errors,
  };
}

/** The domain of a mailto: report URI. */
export function mailtoDomain(uri: string): string | undefined {
  const m = /^mailto:[^@]+@([^!\s]+)/i.exec(uri);
  return m?.[1].toLowerCase().replace(/\.$/, '');
}

export interface MtaStsPolicy {
  version?: string;
  mode?: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAge?: number;
  errors: string[];
}

/** The policy file (RFC 8461 §3.2): "key: value" lines. */
export function parseMtaStsPolicy(text: string): MtaStsPolicy {
  const p: MtaStsPolicy = { mx: [], errors: [] };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const m = /^([a-z_]+):\s*(.*?)\s*$/.exec(line);
    if (!m) {
      p.errors.push(`bad line "${line.slice(0, 60)}"`);
      continue;
    }
    const [, k, v] = m;
    if (k === 'version') p.version = v;
    else if (k === 'mode') {
      if (v === 'enforce' || v === 'testing' || v === 'none') p.mode = v;
      else p.errors.push(`mode: ${v} is not enforce, testing or none`);
    } else if (k === 'mx') p.mx.push(v.toLowerCase());
    else if (k === 'max_age') p.maxAge = /^\d{1,10}$/.test(v) ? Number(v) : Number.NaN;
  }
  if (p.version !== 'STSv1') p.errors.push('version: STSv1 missing');
  if (!p.mode) p.errors.push('mode: missing');
  if (p.maxAge === undefined || Number.isNaN(p.maxAge)) p.errors.push('max_age: missing or not a number');
  if (p.mode !== 'none' && p.mx.length === 0) p.errors.push('no mx: lines');
  return p;
}

/** MTA-STS mx pattern match: exact, or "*.example.com" matching exactly one extra label. */
export function mxMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) {
    const rest = p.slice(2);
    return h.endsWith(`.${rest}`) && !h.slice(0, -rest.length - 1).includes('.');
  }
  return h === p;
}
