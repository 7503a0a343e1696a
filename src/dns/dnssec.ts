/**
 * DNSSEC arithmetic we need to judge a chain from outside: key tags (RFC 4034 App. B)
 * and DS digests (RFC 4034 §5.1.4, RFC 4509) computed from a DNSKEY, so a DS in the
 * parent can be matched to a key in the child. Signature verification is left to a
 * validating resolver (its AD bit).
 */
import { createHash } from 'node:crypto';
import type { DnskeyData, DsData } from 'dns-packet';

/** Canonical wire format of a name: lower case labels, length-prefixed, root byte. */
export function nameWire(name: string): Buffer {
  const labels = name.replace(/\.$/, '').toLowerCase().split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])),
    Buffer.from([0]),
  ]);
}

export function dnskeyRdata(k: DnskeyData): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(k.flags, 0);
  head.writeUInt8(3, 2);
  head.writeUInt8(k.algorithm, 3);
  return Buffer.concat([head, k.key]);
}

export function keyTag(k: DnskeyData): number {
  const rdata = dnskeyRdata(k);
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i] : rdata[i] << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

const digestAlgs: Record<number, string> = { 1: 'sha1', 2: 'sha256', 4: 'sha384' };

/** Does this DS vouch for this DNSKEY of `owner`? Unknown digest types never match. */
export function dsMatches(owner: string, ds: DsData, k: DnskeyData): boolean {
  const alg = digestAlgs[ds.digestType];
  if (!alg || ds.algorithm !== k.algorithm || ds.keyTag !== keyTag(k)) return false;
  const digest = createHash(alg).update(nameWire(owner)).update(dnskeyRdata(k)).digest();
  return digest.equals(ds.digest);
}

/** Flag bit 0x0001 (SEP): a key-signing key. */
export function isKsk(k: DnskeyData): boolean {
  return (k.flags & 1) === 1;
}
