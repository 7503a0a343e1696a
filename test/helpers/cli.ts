/**
 * Running the real binary (node bin/mailctl.js → dist/) from CLI tests. `ensureBuilt` runs
 * `tsc -p tsconfig.build.json` once when dist is missing or older than the sources a test
 * needs (npm test builds first, so it usually does nothing); a lock directory keeps test
 * files running in parallel from building at the same time.
 */
import { chmodSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { tempDir } from './tmp.js';

export const root = join(import.meta.dirname, '..', '..');
export const bin = join(root, 'bin', 'mailctl.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function stale(srcDirs: string[]): boolean {
  const cli = statSync(join(root, 'dist', 'cli.js'), { throwIfNoEntry: false });
  if (!cli) return true;
  return srcDirs.some((d) => {
    const src = join(root, 'src', d);
    const st = statSync(src, { throwIfNoEntry: false });
    if (!st) return false;
    if (st.isFile()) {
      const out = join(root, 'dist', relative(join(root, 'src'), src).replace(/\.ts$/, '.js'));
      return (statSync(out, { throwIfNoEntry: false })?.mtimeMs ?? 0) < st.mtimeMs;
    }
    return newestSource(src) > cli.mtimeMs;
  });
}

/** Builds dist/ if any of `srcDirs` (relative to src/) changed since the last build. */
export async function ensureBuilt(srcDirs: string[]): Promise<void> {
  if (!stale(srcDirs)) return;
  const lock = join(root, 'dist.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than 5 minutes is left over from a killed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) rmdirSync(lock);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    // tsc emits even when someone else's work in progress has type errors; that is not ours to judge here.
    if (stale(srcDirs))
      await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, reject: false });
  } finally {
    rmdirSync(lock);
  }
  if (stale(srcDirs)) throw new Error('dist/ is still older than src/ after tsc -p tsconfig.build.json');
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function mailctl(
  args: string[],
  opts: { input?: string; env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<RunResult> {
  const r = await execa('node', [bin, ...args], {
    reject: false,
    input: opts.input ?? '',
    cwd: opts.cwd,
    env: { NO_COLOR: '1', MAILCTL_CONFIG: undefined, ...opts.env },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A temp directory with a SQLite-backed config (or the given [directory] tables), for directory CLI tests. */
export interface CliEnv {
  dir: string;
  config: string;
  db: string;
  run(args: string[], input?: string): Promise<RunResult>;
  json<T = unknown>(args: string[], input?: string): Promise<T>;
  cleanup(): void;
}

/** `extraToml` replaces the [directory] table (e.g. an LDAP one). */
export function cliEnv(directoryToml?: string): CliEnv {
  const tmp = tempDir('mailctl-cli-');
  chmodSync(tmp.path, 0o755); // the read-only test runs the binary as nobody
  const config = join(tmp.path, 'mailctl.toml');
  writeFileSync(
    config,
    `hostname = "mx.example.test"
data_dir = "data"
${directoryToml ?? '[directory]\nmin_password_length = 8\n'}`,
  );
  const run = (args: string[], input?: string) =>
    mailctl(['--config', config, ...args], { input: input ?? '' });
  return {
    dir: tmp.path,
    config,
    db: join(tmp.path, 'data', 'accounts.sqlite'),
    run,
    async json<T>(args: string[], input?: string) {
      const r = await run([...args, '--json'], input);
      if (r.exitCode !== 0)
        throw new Error(`mailctl ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
      return JSON.parse(String(r.stdout)) as T;
    },
    cleanup: tmp.cleanup,
  };
}
