/**
 * `mailctl audit DOMAIN`: the external security diagnosis of a mail domain (open relay,
 * TLS on receive and submission, SPF/DKIM/DMARC, MTA-STS/TLS-RPT, DNSSEC/DANE, DNSBL,
 * reverse DNS), all checks at once. Exit 0 nothing failed, 1 something failed, 4 the
 * domain could not be checked at all.
 */
import { isIP } from 'node:net';
import { ExitCode, MailctlError } from '../errors.js';
import { inCi } from '../ui/output.js';
import type { Register } from './context.js';

const list = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new MailctlError('usage', `not a port number: ${v}`);
  return n;
}

function ipAddress(v: string): string {
  if (!isIP(v)) throw new MailctlError('usage', `--ip: not an IP address: ${v}`);
  return v;
}

interface AuditCliOptions {
  resolver?: string[];
  host?: string[];
  ip?: string[];
  selector?: string[];
  smtpPort?: string;
  httpsPort?: string;
  only?: string[];
  skip?: string[];
  timeout: string;
  dnsbl?: string[];
  dbl?: string[];
  ca?: string[];
  json?: boolean;
  markdown?: boolean;
  html?: string;
}

export const register: Register = (program, ctx) => {
  program
    .command('audit')
    .description(
      'external security diagnosis of a mail domain: open relay, TLS, SPF/DKIM/DMARC, DNSSEC/DANE, DNSBL, PTR, MTA-STS',
    )
    .argument('<domain>', 'the mail domain to audit, e.g. example.com')
    .option('--resolver <host:port>', 'send all DNS queries to this server (repeatable)', list)
    .option(
      '--host <name>',
      'submission/IMAPS/POP3S host to check on 587, 465, 993, 995 (repeatable)',
      list,
      [],
    )
    .option('--ip <addr>', 'sending address: SPF coverage, PTR, DNSBL (repeatable)', list)
    .option('--selector <s>', 'DKIM selector (repeatable; default: probe common ones)', list)
    .option('--smtp-port <n>', 'port to reach the MX hosts on', '25')
    .option('--https-port <n>', 'port for the MTA-STS policy fetch', '443')
    .option('--only <checks>', 'run only these checks (comma-separated)', list)
    .option('--skip <checks>', 'skip these checks (comma-separated)', list)
    .option('--timeout <seconds>', 'per network operation (connect, reply, DNS try)', '5')
    .option(
      '--dnsbl <zones>',
      'IP blocklists to query (comma-separated; default: well-known public lists)',
      list,
    )
    .option('--dbl <zones>', 'domain blocklists to query (comma-separated)', list)
    .option('--ca <file>', 'also trust this CA certificate (PEM) for TLS and MTA-STS (repeatable)', list)
    .option('--json', 'print the report as JSON')
    .option('--markdown', 'print the report as Markdown')
    .option('--html <file>', 'also write the report as an HTML page')
    .addHelpText(
      'after',
      '\nChecks: mx, ptr, tls, open-relay, spf, dkim, dmarc, mta-sts, tls-rpt, dnssec, dane, dnsbl.\n' +
        'The open-relay test never sends a message (RSET before DATA).\nExit codes: 0 nothing failed, 1 findings, 4 domain not auditable.',
    )
    .action(async (domain: string, o: AuditCliOptions) => {
      const timeout = Number(o.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new MailctlError('usage', `--timeout must be seconds > 0, not ${o.timeout}`);
      const { runAudit } = await import('../audit/run.js');
      const { checkNames } = await import('../audit/result.js');
      type Name = (typeof checkNames)[number];
      const report = await import('../ui/audit-report.js');
      const ca = await Promise.all(
        (o.ca ?? []).map((f) =>
          import('node:fs/promises').then((fs) =>
            fs.readFile(f, 'utf8').catch((e: unknown) => {
              throw new MailctlError(
                'invalid-input',
                `cannot read --ca ${f}: ${e instanceof Error ? e.message : e}`,
              );
            }),
          ),
        ),
      );
      const opts = {
        domain,
        ca,
        resolvers: o.resolver ?? [],
        hosts: o.host ?? [],
        ips: (o.ip ?? []).map(ipAddress),
        selectors: o.selector ?? [],
        smtpPort: port(o.smtpPort ?? '25'),
        httpsPort: port(o.httpsPort ?? '443'),
        only: (o.only ?? []) as Name[],
        skip: (o.skip ?? []) as Name[],
        timeoutMs: timeout * 1000,
        ...(o.dnsbl ? { dnsbl: o.dnsbl } : {}),
        ...(o.dbl ? { domainBlocklists: o.dbl } : {}),
      };
      const quiet = Boolean(o.json || o.markdown);
      const live = !quiet && Boolean(process.stderr.isTTY) && !inCi();
      let view: { stop(): void } | undefined;
      let hooks = {};
      if (live) {
        const { startAuditView } = await import('../ui/audit-view.js');
        const v = startAuditView(domain, process.stderr);
        view = v;
        hooks = v.hooks;
      } else if (!quiet) {
        hooks = {
          onDone: (c: import('../audit/result.js').CheckResult) => ctx.io.err(report.checkLine(ctx.io, c)),
        };
      }
      let r: import('../audit/result.js').AuditReport;
      try {
        r = await runAudit(opts, hooks);
      } finally {
        view?.stop();
      }
      if (o.html) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(o.html, report.htmlReport(r)).catch((e: unknown) => {
          throw new MailctlError(
            'invalid-input',
            `cannot write ${o.html}: ${e instanceof Error ? e.message : e}`,
          );
        });
      }
      if (o.json) ctx.io.json(r);
      else if (o.markdown) ctx.io.out(report.markdownReport(r));
      else ctx.io.out(report.plainReport(ctx.io, r));
      process.exitCode = r.unreachable
        ? ExitCode.unreachable
        : r.status === 'fail'
          ? ExitCode.findings
          : ExitCode.ok;
    });
};
