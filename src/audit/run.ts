/**
 * Runs the audit: a quick preflight (is the domain well-formed, does the resolver answer,
 * does the name exist), then every selected check at once, each under its own deadline.
 * A check that throws or overruns keeps the findings it already made and gets one more
 * saying why it stopped; the others are not affected.
 */
import { domainToASCII } from 'node:url';
import { MailctlError } from '../errors.js';
import { AuditContext, type AuditOptions } from './context.js';
import {
  type AuditReport,
  buildReport,
  type CheckName,
  type CheckResult,
  checkNames,
  checkStatus,
  type Finding,
} from './result.js';

export interface Check {
  name: CheckName;
  title: string;
  run(ctx: AuditContext, report: (f: Finding) => void): Promise<void>;
}

export interface RunOptions extends AuditOptions {
  only?: CheckName[];
  skip?: CheckName[];
}

export interface RunHooks {
  onStart?(checks: Pick<Check, 'name' | 'title'>[]): void;
  onDone?(result: CheckResult): void;
}

/** RFC 1035 host name syntax (after IDNA) (letters, digits, hyphens, ≤ 63 per label, ≤ 253 total, a dot). */
export function validateDomain(domain: string): string {
  const trimmed = domain.trim().toLowerCase().replace(/\.$/, '');
  // Internationalised names (例え.jp) are audited in their ASCII (punycode) form.
  const d = /^[\x00-\x7f]*$/.test(trimmed) ? trimmed : domainToASCII(trimmed) || trimmed;
  const label = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
  if (d.length === 0 || d.length > 253 || !d.includes('.') || !d.split('.').every((l) => label.test(l))) {
    throw new MailctlError('invalid-input', `not a valid domain name: ${JSON.stringify(domain)}`, {
      hint: 'give a domain such as example.com (letters, digits and hyphens, labels separated by dots)',
    });
  }
  return d;
}

export function selectChecks(all: readonly Check[], only?: CheckName[], skip?: CheckName[]): Check[] {
  for (const n of [...(only ?? []), ...(skip ?? [])]) {
    if (!checkNames.includes(n)) {
      throw new MailctlError('usage', `unknown check: ${n}`, {
        hint: `checks are: ${checkNames.join(', ')}`,
      });
    }
  }
  return all.filter((c) => (!only || only.length === 0 || only.includes(c.name)) && !skip?.includes(c.name));
}

export async function runAudit(opts: RunOptions, hooks: RunHooks = {}): Promise<AuditReport> {
  const started = new Date();
  const domain = validateDomain(opts.domain);
  const { checks: all } = await import('./checks/index.js');
  const checks = selectChecks(all, opts.only, opts.skip);
  const ctx = new AuditContext({ ...opts, domain });

  const stop = await preflight(ctx);
  if (stop) return buildReport(domain, started, [], stop);

  hooks.onStart?.(checks.map((c) => ({ name: c.name, title: c.title })));
  // Generous: a check makes several round trips per host, each bounded by the timeout.
  const budget = Math.max(4 * ctx.timeoutMs, 10_000);
  const results = await Promise.all(
    checks.map(async (c) => {
      const r = await runOne(c, ctx, budget);
      hooks.onDone?.(r);
      return r;
    }),
  );
  return buildReport(domain, started, results);
}

/** Why the domain cannot be audited at all, or undefined when it can. */
async function preflight(ctx: AuditContext): Promise<string | undefined> {
  try {
    const z = await ctx.dns.zoneOf(ctx.domain);
    if (z.rcode === 'NXDOMAIN') return `${ctx.domain} does not exist (NXDOMAIN)`;
    if (z.rcode === 'REFUSED') return `the resolver refused to answer for ${ctx.domain} (REFUSED)`;
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

async function runOne(c: Check, ctx: AuditContext, budget: number): Promise<CheckResult> {
  const t0 = Date.now();
  const findings: Finding[] = [];
  let incomplete = false;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const report = (f: Finding) => {
    if (!finished) findings.push(f);
  };
  const overrun = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), budget);
  });
  try {
    const outcome = await Promise.race([c.run(ctx, report).then(() => 'done' as const), overrun]);
    if (outcome === 'timeout') {
      incomplete = true;
      findings.push({
        status: 'fail',
        subject: ctx.domain,
        message: `the ${c.name} check did not finish within ${Math.round(budget / 1000)} s`,
        fix: 'a host or the resolver is slow or silent; check connectivity or raise --timeout',
      });
    }
  } catch (e) {
    incomplete = true;
    findings.push({
      status: 'fail',
      subject: e instanceof MailctlError && e.where ? e.where : ctx.domain,
      message: `could not check: ${e instanceof Error ? e.message : String(e)}`,
      fix: e instanceof MailctlError && e.hint ? e.hint : 'see the message; re-run when the cause is fixed',
    });
  } finally {
    finished = true;
    clearTimeout(timer);
  }
  return {
    name: c.name,
    title: c.title,
    status: checkStatus(findings),
    findings,
    incomplete,
    ms: Date.now() - t0,
  };
}
