/**
 * bench/audit: a full `mailctl audit` (all 12 checks) of the local test domain good.test —
 * two MX hosts (127.0.0.1, 127.0.0.2) with STARTTLS, submission on 587-style STARTTLS and
 * 465-style TLS via SRV, MTA-STS over HTTPS, NSD for DNS — through the built binary
 * (process start included) and in-process (runAudit). Target: ≤ 5 s.
 *
 *   npm run build && npx tsx bench/audit/run.ts [--rounds 5]
 *
 * Needs GNU time (/usr/bin/time) for the CLI's CPU seconds.
 *
 * Output: a Markdown table on stdout (median, min, max). Nothing is written to disk.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { AuditReport } from '../../src/audit/result.js';
import { runAudit } from '../../src/audit/run.js';
import { startAuditWorld } from '../../test/helpers/audit-world.js';

const argv = process.argv.slice(2);
const rounds = argv.includes('--rounds') ? Number(argv[argv.indexOf('--rounds') + 1]) : 5;
const ROOT = resolve(import.meta.dirname, '../..');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const world = await startAuditWorld({ broken: false });
const cli: number[] = [];
const lib: number[] = [];
const cpu: number[] = [];
const slowest: Record<string, number[]> = {};
let last: AuditReport | undefined;
try {
  // Interleaved: CLI then library, each round.
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    // Asynchronous on purpose: the peers (MX hosts, HTTPS) live in this process's event loop.
    // GNU time gives the CLI's own CPU seconds: a figure the machine's load does not inflate.
    const cpuFile = join(world.dir, 'cpu.txt');
    const { stdout: out } = await execa(
      '/usr/bin/time',
      [
        '-f',
        '%U %S',
        '-o',
        cpuFile,
        'node',
        join(ROOT, 'bin/mailctl.js'),
        ...world.args('good.test'),
        '--json',
      ],
      { reject: false },
    );
    const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
    cpu.push((user + sys) * 1000);
    cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
    last = JSON.parse(out) as AuditReport;
    const t1 = process.hrtime.bigint();
    const r = await runAudit(world.options('good.test'));
    lib.push(Number(process.hrtime.bigint() - t1) / 1e6);
    for (const c of r.checks) (slowest[c.name] ??= []).push(c.ms);
  }
} finally {
  await world.stop();
}
if (last === undefined) throw new Error('no audit ran');
if (last.checks.length !== 12 || last.counts.fail !== 0) {
  throw new Error(`the benchmark audit did not run cleanly: ${JSON.stringify(last.counts)}`);
}
const row = (name: string, xs: number[]) =>
  `| ${name} | ${rounds} | ${(median(xs) / 1000).toFixed(2)} s | ${(Math.min(...xs) / 1000).toFixed(2)} s | ${(Math.max(...xs) / 1000).toFixed(2)} s |`;
console.log(
  `Full audit of good.test (2 MX, ${last.checks.length} checks, ${Object.values(last.counts).reduce((a, b) => a + b)} findings, score ${last.score}); target ≤ 5 s\n`,
);
console.log('| run | rounds | median | min | max |\n| --- | --- | --- | --- | --- |');
console.log(row('`mailctl audit good.test --json` (process wall time)', cli));
console.log(row('`runAudit()` in-process', lib));
console.log(row('CPU time of the CLI process (user + sys)', cpu));
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);
console.log('\nMedian per check (in-process, checks run concurrently):\n');
console.log(
  Object.entries(slowest)
    .map(([n, xs]) => `${n} ${Math.round(median(xs))} ms`)
    .join(', '),
);
