/**
 * Writes the calibration profile that `mailctl size --profile` reads. Runs against the same
 * host merge into one file (SMTP and IMAP ports differ), so `bench smtp` (CPU per message, fsync) and `bench imap`
 * (memory per connection) can fill one profile.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { fitCpu, type Profile, type SmtpRun } from '../sizing/calibrate.js';

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
