/** Operator text → bench options, with usage errors that say what to type instead. */
import { readFileSync } from 'node:fs';
import { errnoCode, MailctlError } from '../errors.js';
import { parseCount, parseDuration, parseSize } from '../proto/units.js';
import type { ImapBenchOptions } from './imap.js';
import type { CommonOptions } from './run.js';
import type { SmtpBenchOptions } from './smtp.js';
import { parseTarget, type TlsOptions } from './wire.js';

export interface RawCommon {
  target?: string;
  tls?: boolean;
  starttls?: boolean;
  insecure?: boolean;
  ca?: string;
  pid?: string;
  fsyncDir?: string;
  profile?: string;
  duration?: string;
}

export interface RawSmtp extends RawCommon {
  connections?: string;
  messages?: string;
  size?: string;
  auth?: string;
  from?: string;
  to?: string;
}

export interface RawImap extends RawCommon {
  users?: string;
  auth?: string[];
  seed?: string;
  seedSize?: string;
  think?: string;
  idle?: string;
}

const usage = (message: string, hint: string) => new MailctlError('usage', message, { hint });

function count(flag: string, v: string | undefined, dflt: number, min = 1, max = 10_000_000): number {
  if (v === undefined) return dflt;
  const n = parseCount(v);
  if (n === undefined || n < min || n > max)
    throw usage(`--${flag} ${v} is not a count from ${min} to ${max}`, `e.g. --${flag} ${dflt}`);
  return n;
}

function duration(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const ms = parseDuration(v);
  if (ms === undefined) throw usage(`--${flag} ${v} is not a duration`, `e.g. --${flag} 60s, 2m, 500ms`);
  return ms;
}

function size(flag: string, v: string): number {
  const n = parseSize(v);
  if (n === undefined || n < 1 || n > 256 * 1024 ** 2)
    throw usage(`--${flag} ${v} is not a size from 1 B to 256 MiB`, 'e.g. 10KB, 75KiB, 1MB');
  return n;
}

function credentials(v: string): { user: string; pass: string } {
  const i = v.indexOf(':');
  if (i <= 0)
    throw usage(
      `--auth ${v.replace(/:.*/, ':…')} is not user:password`,
      'e.g. --auth alice@example.test:secret',
    );
  return { user: v.slice(0, i), pass: v.slice(i + 1) };
}

function common(r: RawCommon) {
  if (!r.target)
    throw usage('--target is required', 'e.g. --target 127.0.0.1:25 (bench only ever talks to this host)');
  if (r.tls && r.starttls)
    throw usage(
      '--tls and --starttls exclude each other',
      '--tls for implicit TLS ports (465, 993), --starttls for 25/587/143',
    );
  let ca: string | undefined;
  if (r.ca) {
    try {
      ca = readFileSync(r.ca, 'utf8');
    } catch (e) {
      throw new MailctlError('not-found', `cannot read --ca: ${errnoCode(e) ?? String(e)}`, { where: r.ca });
    }
  }
  const tlsOptions: TlsOptions = { verify: !r.insecure, ca };
  const pid = r.pid === undefined ? undefined : Number(r.pid);
  if (pid !== undefined && !(Number.isInteger(pid) && pid > 0))
    throw usage(`--pid ${r.pid} is not a process id`, 'e.g. --pid $(pgrep -o mailctl)');
  const extra: CommonOptions = { pid, fsyncDir: r.fsyncDir, profile: r.profile };
  return {
    target: parseTarget(r.target),
    tls: r.tls ? ('implicit' as const) : r.starttls ? ('starttls' as const) : undefined,
    tlsOptions,
    ...extra,
  };
}

export function smtpOptions(
  r: RawSmtp,
): Omit<SmtpBenchOptions, 'size'> & { sizes: number[] } & CommonOptions {
  const sizes = (r.size ?? '10KB').split(',').map((s) => size('size', s.trim()));
  return {
    ...common(r),
    connections: count('connections', r.connections, 10, 1, 10_000),
    messages: count('messages', r.messages, 1000),
    sizes,
    durationMs: duration('duration', r.duration, 600_000),
    auth: r.auth ? credentials(r.auth) : undefined,
    from: r.from ?? 'bench@mailctl.invalid',
    to: r.to ?? 'postmaster@localhost',
  };
}

export function imapOptions(r: RawImap): ImapBenchOptions & CommonOptions {
  if (!r.auth || r.auth.length === 0)
    throw usage(
      '--auth user:password is required for IMAP',
      'repeat --auth for several accounts; users cycle through them',
    );
  return {
    ...common(r),
    users: count('users', r.users, 10, 1, 100_000),
    durationMs: duration('duration', r.duration, 60_000),
    accounts: r.auth.map(credentials),
    seed: count('seed', r.seed, 0, 0),
    seedSize: r.seedSize ? size('seed-size', r.seedSize) : 10_240,
    thinkMs: duration('think', r.think, 0),
    idleMs: duration('idle', r.idle, 200),
  };
}
