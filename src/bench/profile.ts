/**
 * The calibration profile file: `mailctl bench --profile` writes it, `mailctl size --profile`
 * reads it (the sizing model itself stays free of I/O). Runs against the same host merge into
 * one file (SMTP and IMAP ports differ), so `bench smtp` (CPU per message, fsync) and
 * `bench imap` (memory per connection) can fill one profile.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { errnoCode, MailctlError } from '../errors.js';
import type { AssumptionKey, Assumptions } from '../sizing/assumptions.js';
import {
  applyProfile,
  type Calibrated,
  fitCpu,
  type Profile,
  readProfile,
  type SmtpRun,
} from '../sizing/calibrate.js';

export interface ProfileUpdate {
  target: string;
  smtpRuns?: SmtpRun[];
  fsyncMs?: number;
  fsyncDir?: string;
  memPerConnection?: number;
}

async function existing(file: string, target: string): Promise<Partial<Profile>> {
  try {
    const p = JSON.parse(await readFile(file, 'utf8')) as Partial<Profile>;
    const host = (t: string) => t.replace(/:\d+$/, '');
    const same = typeof p.target === 'string' && p.target.split(', ').some((t) => host(t) === host(target));
    return p.kind === 'mailctl-bench-profile' && p.version === 1 && same ? p : {};
  } catch {
    return {};
  }
}

export function buildProfile(prev: Partial<Profile>, u: ProfileUpdate): Profile {
  const c = cpus();
  const runs = u.smtpRuns ?? prev.smtpRuns;
  const fit = runs ? fitCpu(runs) : undefined;
  return {
    kind: 'mailctl-bench-profile',
    version: 1,
    measuredAt: new Date().toISOString(),
    host: { hostname: hostname(), cpus: c.length, cpuModel: c[0]?.model.trim() ?? 'unknown' },
    target: [...new Set([...(prev.target ? prev.target.split(', ') : []), u.target])].join(', '),
    cpuMsPerMessage: fit?.cpuMsPerMessage ?? prev.cpuMsPerMessage,
    cpuMsPerKiB: fit?.cpuMsPerKiB ?? prev.cpuMsPerKiB,
    fsyncMs: u.fsyncMs ?? prev.fsyncMs,
    fsyncDir: u.fsyncDir ?? prev.fsyncDir,
    memPerConnection: u.memPerConnection ?? prev.memPerConnection,
    smtpRuns: runs,
  };
}

/** Merges with a profile for the same target already in `file`, writes atomically. */
export async function writeProfile(file: string, u: ProfileUpdate): Promise<Profile> {
  const p = buildProfile(await existing(file, u.target), u);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(p, null, 2)}\n`);
  await rename(tmp, file);
  return p;
}

/** Reads a profile file for `mailctl size --profile` (sizing itself stays free of I/O) and applies it. */
export async function loadProfile(
  file: string,
  a: Assumptions,
  given: readonly AssumptionKey[],
): Promise<Calibrated> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new MailctlError('not-found', `cannot read the profile: ${errnoCode(e) ?? String(e)}`, {
      where: file,
      hint: 'write one with: mailctl bench smtp --target HOST:PORT --profile FILE',
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MailctlError('invalid-input', `the profile is not JSON: ${(e as Error).message}`, {
      where: file,
    });
  }
  return applyProfile(a, readProfile(json, file), given);
}
