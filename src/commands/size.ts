/**
 * `mailctl size --users 500 [...every assumption...] [--profile FILE] [--json|--markdown]`:
 * disk, IOPS, bandwidth, connections, machines and topology from user counts and habits.
 * The assumption table is tiny and dependency-free, so it is imported eagerly for --help;
 * the model and report load only when the command runs.
 */
import { formatCount } from '../proto/units.js';
import { definitions } from '../sizing/assumptions.js';
import type { Register } from './context.js';

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export const register: Register = (program, ctx) => {
  const cmd = program
    .command('size')
    .description(
      'size a mail server from user counts and mail habits: storage per year, IOPS, bandwidth, connections, machines and topology',
    )
    .option(
      '--profile <file>',
      'calibration profile from `mailctl bench … --profile` (replaces CPU, fsync and memory costs)',
    )
    .option('--json', 'print the plan as JSON')
    .option('--markdown', 'print the plan as Markdown');
  for (const d of definitions) {
    const dflt =
      d.key === 'users'
        ? ''
        : ` (default ${d.kind === 'bool' ? (d.default ? 'on' : 'off') : String(d.default)})`;
    cmd.option(`--${d.flag} <${d.kind === 'bool' ? 'on|off' : d.kind}>`, `${d.label}${dflt}`);
  }
  cmd.addHelpText(
    'after',
    '\nUnits: sizes 80KB, 75KiB, 2GiB; durations 3y, 90d; shares 46% or 0.46; counts 500, 10k.\nEvery default and its source is printed with the plan.',
  );
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    const [{ parseInputs }, { plan }, report] = await Promise.all([
      import('../sizing/inputs.js'),
      import('../sizing/model.js'),
      import('../sizing/report.js'),
    ]);
    const raw: Record<string, string> = {};
    for (const d of definitions) {
      const v = opts[camel(d.flag)];
      if (typeof v === 'string') raw[d.key] = v;
    }
    const parsed = parseInputs(raw);
    let assumptions = parsed.assumptions;
    const sources: NonNullable<import('../sizing/report.js').ReportOptions['sources']> = {};
    for (const k of parsed.given) sources[k] = { kind: 'given', cite: 'your option' };
    if (typeof opts.profile === 'string') {
      const { loadProfile } = await import('../bench/profile.js');
      const cal = await loadProfile(opts.profile, assumptions, parsed.given);
      assumptions = cal.assumptions;
      Object.assign(sources, cal.sources);
    }
    const p = plan(assumptions, parsed.warnings);
    if (opts.json) {
      ctx.io.json(report.toJson(p, { sources }));
      return;
    }
    if (opts.markdown) {
      ctx.io.out(report.markdown(p, { sources }));
      return;
    }
    const { paint, table } = await import('../ui/output.js');
    const out: string[] = [
      paint(
        ctx.io,
        'bold',
        `Mail server sizing: ${formatCount(assumptions.users)} users, ${assumptions.horizonYears}-year horizon`,
      ),
    ];
    for (const s of report.sections(p, { sources })) {
      out.push('', paint(ctx.io, s.title === 'Warnings' ? 'yellow' : 'bold', s.title));
      if (s.headers && s.rows) {
        out.push(
          table(
            s.rows,
            s.headers.map((h, i) => ({
              header: h,
              value: (r: string[]) => r[i],
              align: s.right?.includes(i) ? 'right' : 'left',
            })),
          ),
        );
      }
      if (s.lines) out.push(...s.lines.map((l) => (l.startsWith('    ') ? paint(ctx.io, 'dim', l) : l)));
    }
    ctx.io.out(out.join('\n'));
  });
};
