/**
 * Signs a test zone with the real ldns tools in a temp dir (fresh keys each run, never
 * committed): ECDSA P-256 KSK + ZSK, ldns-signzone, and the DS for a trust anchor.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireProgram } from './proc.js';

export interface SignedZone {
  /** The signed zone file text, for NSD. */
  text: string;
  /** DS record of the KSK (zone-file line), for unbound's trust-anchor-file. */
  ds: string;
}

export function signZone(
  dir: string,
  origin: string,
  text: string,
  opts: { expired?: boolean } = {},
): SignedZone {
  const o = origin.replace(/\.?$/, '.');
  const work = join(dir, `sign-${o}`);
  mkdirSync(work, { recursive: true });
  const run = (prog: string, args: string[]) =>
    execFileSync(requireProgram(prog, 'ldnsutils'), args, {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  const ksk = run('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', o]);
  const zsk = run('ldns-keygen', ['-a', 'ECDSAP256SHA256', o]);
  writeFileSync(join(work, 'zone'), text);
  const dates = opts.expired ? ['-i', '20200101000000', '-e', '20200201000000'] : [];
  run('ldns-signzone', [...dates, '-f', 'zone.signed', 'zone', zsk, ksk]);
  const ds = readFileSync(join(work, `${ksk}.ds`), 'utf8').trim();
  return { text: readFileSync(join(work, 'zone.signed'), 'utf8'), ds };
}
