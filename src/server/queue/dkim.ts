/**
 * DKIM signing of outbound mail (mailauth's signer, the key `mailctl init` wrote).
 *
 * We sign when the message is SENT, not when it is queued: the 250 path stays one write +
 * fsync (no second pass over a 50 MB body while the client waits), a key or selector
 * changed by SIGHUP applies to everything still queued, and a missing key shows up as a
 * deferred message with a clear error in `mailctl queue list` instead of failing SMTP
 * sessions. The cost is one extra read of the spooled bytes per attempt (page cache).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { MailctlError } from '../../errors.js';

export interface DkimKey {
  pem: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
}

const cache = new Map<string, { mtimeMs: number; key: DkimKey }>();

/** Reads (and caches until the file changes) the private key; throws a clear error. */
export function loadDkimKey(path: string): DkimKey {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === mtimeMs) return hit.key;
    const pem = readFileSync(path, 'utf8');
    const type = createPrivateKey(pem).asymmetricKeyType;
    if (type !== 'rsa' && type !== 'ed25519') throw new Error(`unsupported key type ${type}`);
    const key: DkimKey = { pem, algorithm: type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256' };
    cache.set(path, { mtimeMs, key });
    return key;
  } catch (e) {
    throw new MailctlError('config', `cannot use the DKIM key: ${(e as Error).message}`, {
      where: path,
      hint: 'check [dkim] key (mailctl init writes one), or set [dkim] selector = "" to stop signing',
      cause: e,
    });
  }
}

/** The header block (up to and including the blank line) of a stream; stops reading early. */
export async function readHeaderBlock(stream: Readable, max = 256 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let len = 0;
  try {
    for await (const c of stream) {
      const b = c as Buffer;
      parts.push(b);
      len += b.length;
      const all = Buffer.concat(parts, len);
      const end = all.indexOf('\r\n\r\n');
      const lfEnd = all.indexOf('\n\n');
      const cut = end >= 0 ? end + 4 : lfEnd >= 0 ? lfEnd + 2 : -1;
      if (cut >= 0) return all.subarray(0, cut).toString('utf8');
      if (len >= max) return all.subarray(0, max).toString('utf8');
    }
    return Buffer.concat(parts, len).toString('utf8');
  } finally {
    stream.destroy();
  }
}

/** Lower-case domain of the (first) From header address, if any. */
export function fromDomain(headers: string): string | undefined {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const line = /^from:(.*)$/im.exec(unfolded);
  if (!line) return undefined;
  const addr = addressparser(line[1], { flatten: true })[0]?.address ?? '';
  const at = addr.lastIndexOf('@');
  return at > 0
    ? addr
        .slice(at + 1)
        .toLowerCase()
        .replace(/\.$/, '')
    : undefined;
}

/** Whether `domain` is covered by the configured list (exact or a subdomain of an entry). */
export function domainListed(domain: string, list: readonly string[]): boolean {
  return list.some((d) => {
    const x = d.toLowerCase().replace(/\.$/, '');
    return domain === x || domain.endsWith(`.${x}`);
  });
}

/** The DKIM-Signature header (CRLF-terminated) for the message `read()` yields. */
export async function dkimSignature(
  read: () => Readable,
  opts: { domain: string; selector: string; key: DkimKey; signTime?: Date },
): Promise<string> {
  const one = {
    signingDomain: opts.domain,
    selector: opts.selector,
    privateKey: opts.key.pem,
    algorithm: opts.key.algorithm,
    canonicalization: 'relaxed/relaxed',
  };
  // mailauth signs with the entries of signatureData; the top-level fields are only defaults.
  const res = await dkimSign(read(), {
    ...one,
    signatureData: [one],
    ...(opts.signTime ? { signTime: opts.signTime } : {}),
  });
  const sig = res.signatures.trim();
  if ((res.errors && res.errors.length > 0) || !/^DKIM-Signature:/i.test(sig)) {
    const why = res.errors?.[0]
      ? String((res.errors[0] as { error?: unknown }).error ?? res.errors[0])
      : 'no signature made';
    throw new MailctlError('config', `DKIM signing failed for ${opts.domain}: ${why}`, {
      hint: 'check the [dkim] key and selector',
    });
  }
  return `${sig}\r\n`;
}
