/** `mailctl init`: config, self-signed TLS pair, DKIM key, the first domain, and the DNS records to publish. */
import type { Command } from 'commander';
import type { CliContext, Register } from './context.js';

interface InitFlags {
  domain?: string;
  hostname?: string;
  dir?: string;
  force?: boolean;
  selector?: string;
  json?: boolean;
}

export const register: Register = (program: Command, ctx: CliContext) => {
  program
    .command('init')
    .description(
      'write mailctl.toml, a self-signed TLS certificate and a DKIM key; create the domain; print DNS records',
    )
    .option('--domain <domain>', 'mail domain (default: from --hostname, else example.com)')
    .option('--hostname <name>', "this server's name (default: mx.<domain>)")
    .option('--dir <dir>', 'where to write mailctl.toml, tls/, dkim/ and data/', '.')
    .option('--selector <selector>', 'DKIM selector (default: s<yyyymm>)')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print the result as JSON')
    .action(async (o: InitFlags) => {
      const { planInit } = await import('../init/plan.js');
      const { applyInit } = await import('../init/apply.js');
      const r = await applyInit(planInit(o));
      if (o.json) return ctx.io.json(r);
      const { paint } = await import('../ui/output.js');
      const f = r.plan.files;
      ctx.io.out(
        [
          `${paint(ctx.io, 'green', 'wrote')} ${f.config}`,
          `${paint(ctx.io, 'green', 'wrote')} ${f.cert} and ${f.key} (self-signed for ${r.plan.hostname})`,
          `${paint(ctx.io, 'green', 'wrote')} ${f.dkim} (RSA-2048, selector ${r.plan.selector})`,
          `${r.domainCreated ? paint(ctx.io, 'green', 'created') : 'kept'} domain ${r.plan.domain} in ${f.dataDir}`,
          'config check: ok',
          '',
          '; DNS records to publish (zone-file syntax)',
          r.zone,
          '',
          'Next steps:',
          ...r.nextSteps.map((s, i) => `  ${i + 1}. ${s}`),
        ].join('\n'),
      );
    });
};
