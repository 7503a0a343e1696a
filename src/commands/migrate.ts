/**
 * `mailctl migrate survey …`, `mailctl migrate --rehearse …`, `mailctl migrate …`: copy
 * mailboxes from a legacy IMAP server, Maildir or mbox into the local store or another
 * IMAP server — surveyed first, rehearsed and verified, then for real (incremental,
 * resumable). Progress on stderr (listr2 on a TTY), results on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MailctlError } from '../errors.js';
import type { MigrateOptions } from '../migrate/api.js';
import type { RunEvent } from '../migrate/run.js';
import type { CliContext, Register } from './context.js';

interface CommonOpts {
  from?: string;
  users?: string;
  sourceUser?: string;
  targetDomain?: string;
  only?: string[];
  fromPasswordStdin?: boolean;
  master?: string;
  masterPasswordFile?: string;
  masterAuth: string;
  oauth2TokenFile?: string;
  insecure?: boolean;
  starttls?: boolean;
  ca?: string;
  mboxFormat: string;
  parallel: string;
  connections?: string;
  maxMessageSize: string;
  json?: boolean;
}

interface RunOpts extends CommonOpts {
  to?: string;
  rehearse?: boolean;
  state?: string;
  folderMap: string[];
  maxBytesPerSecond?: string;
  verify?: boolean;
  createAccounts?: boolean;
  passwdFile?: string;
  toMaster?: string;
  toMasterPasswordFile?: string;
  sample?: string;
  report?: string;
  logDir?: string;
  retryDelay: string;
  allowNewSource?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function common(cmd: Command): Command {
  return cmd
    .option('--from <source>', 'imap://user@host:port, imaps://…, maildir:PATH or mbox:PATH (file or tree)')
    .option(
      '--users <csv>',
      'users CSV: source_user,source_password,target_user[,source_token,target_password]',
    )
    .option('--source-user <name>', 'user name for a single Maildir/mbox (default: the directory name)')
    .option('--target-domain <domain>', 'domain for target accounts given without @ (local store)')
    .option('--only <user>', 'migrate only this source user (repeatable)', collect, [])
    .option('--from-password-stdin', "read the single source user's password from stdin")
    .option('--master <user>', 'source master/admin login (Dovecot user*master or SASL PLAIN authzid)')
    .option(
      '--master-password-file <file>',
      'file holding the master password (else $MAILCTL_MASTER_PASSWORD)',
    )
    .option(
      '--master-auth <method>',
      'master login form: login (user*master) or plain (SASL PLAIN authzid)',
      'login',
    )
    .option(
      '--oauth2-token-file <file>',
      'XOAUTH2 access token for a single user (CSV column source_token for many)',
    )
    .option('--insecure', 'accept any TLS certificate (only on a trusted network)')
    .option(
      '--no-starttls',
      'imap:// without STARTTLS even when offered (only on loopback or an isolated network)',
    )
    .option('--ca <file>', 'trust this CA certificate (PEM) for the IMAP servers')
    .option('--mbox-format <format>', 'mbox quoting: mboxrd or mboxo', 'mboxrd')
    .option('--parallel <n>', 'users at once', '4')
    .option(
      '--connections <n>',
      'connections per user to the source and to the target, folders copied side by side (default: 2 into an IMAP server, 1 into the local store)',
    )
    .option(
      '--max-message-size <size>',
      "target's largest message; larger ones are listed, not copied",
      '64MB',
    )
    .option('--json', 'print the report as JSON');
}

function readSecret(file: string | undefined, env: string, what: string): string {
  if (file) return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  const v = process.env[env];
  if (v === undefined)
    throw new MailctlError('usage', `no ${what} password`, {
      hint: `give --${what}-password-file FILE or set ${env}`,
    });
  return v;
}

async function request(o: CommonOpts) {
  const { parseSize } = await import('../proto/units.js');
  if (!o.from) {
    throw new MailctlError('usage', 'missing --from', {
      hint: 'e.g. --from imaps://old.example.com, --from maildir:/var/vmail, --from mbox:/var/mail',
    });
  }
  const parallel = Number(o.parallel);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new MailctlError('usage', `--parallel must be a positive integer, got ${o.parallel}`);
  const connections = o.connections === undefined ? undefined : Number(o.connections);
  if (connections !== undefined && (!Number.isInteger(connections) || connections < 1 || connections > 16))
    throw new MailctlError('usage', `--connections must be an integer from 1 to 16, got ${o.connections}`);
  const maxMessageSize = parseSize(o.maxMessageSize);
  if (maxMessageSize === undefined)
    throw new MailctlError('usage', `--max-message-size is not a size: ${o.maxMessageSize}`);
  if (o.mboxFormat !== 'mboxrd' && o.mboxFormat !== 'mboxo')
    throw new MailctlError('usage', '--mbox-format is mboxrd or mboxo');
  if (o.masterAuth !== 'login' && o.masterAuth !== 'plain')
    throw new MailctlError('usage', '--master-auth is login or plain');
  return {
    from: o.from as string,
    usersFile: o.users,
    sourceUser: o.sourceUser,
    targetDomain: o.targetDomain,
    only: o.only,
    fromPassword: o.fromPasswordStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : undefined,
    master: o.master
      ? {
          user: o.master,
          password: readSecret(o.masterPasswordFile, 'MAILCTL_MASTER_PASSWORD', 'master'),
          method: o.masterAuth as 'login' | 'plain',
        }
      : undefined,
    oauth2Token: o.oauth2TokenFile ? readFileSync(o.oauth2TokenFile, 'utf8').trim() : undefined,
    insecure: Boolean(o.insecure),
    plain: o.starttls === false,
    ca: o.ca,
    mboxFormat: o.mboxFormat as 'mboxrd' | 'mboxo',
    parallel,
    connections,
    maxMessageSize,
  };
}

export const register: Register = (program: Command, ctx: CliContext) => {
  const cmd = common(
    program
      .command('migrate')
      .description(
        'copy mailboxes from a legacy IMAP/Maildir/mbox server: survey, --rehearse, then the real run',
      )
      .option('--to <target>', 'imap://… or imaps://… target (default: the local mailctl store)')
      .option('--rehearse', 'migrate into a scratch target, verify message by message, project the real run')
      .option(
        '--state <file>',
        'migration state (SQLite) for incremental re-runs (default DATA_DIR/migrate/state.sqlite)',
      )
      .option('--folder-map <map>', 'SOURCE=TARGET folder rename, "/"-separated (repeatable)', collect, [])
      .option('--max-bytes-per-second <rate>', 'throttle, e.g. 20MB')
      .option('--verify', 'verify message by message after the real run too')
      .option('--create-accounts', 'create missing target accounts (local store)')
      .option('--passwd-file <file>', 'Dovecot passwd-file whose hashes --create-accounts imports')
      .option('--to-master <user>', 'target master login (user*master) for an IMAP target')
      .option(
        '--to-master-password-file <file>',
        'file with the target master password (else $MAILCTL_TO_MASTER_PASSWORD)',
      )
      .option('--sample <n>', 'rehearse only the first N users and project the rest')
      .option('--report <file>', 'also write the report as Markdown (.md) or HTML (.html)')
      .option('--log-dir <dir>', 'per-user log files')
      .option('--retry-delay <duration>', 'first backoff after a transient failure', '1s')
      .option(
        '--allow-new-source',
        'copy into target users that the state file already received from another source address',
      ),
  );
  cmd.action(async (o: RunOpts) => {
    // 20 % steps: a 200,000-message mailbox peaks under 150 MB (30 %: ~153 MB), for ~5 %
    // more time on the 531 MB bench corpus (more major collections)
    (await import('../heap.js')).keepHeapSmall({ youngMaxMb: 8, growPercent: 20 });
    const { parseSize, parseDuration } = await import('../proto/units.js');
    const base = await request(o);
    const rate = o.maxBytesPerSecond ? parseSize(o.maxBytesPerSecond) : undefined;
    if (o.maxBytesPerSecond && rate === undefined)
      throw new MailctlError('usage', `--max-bytes-per-second is not a size: ${o.maxBytesPerSecond}`);
    const { migrate } = await import('../migrate/api.js');
    const progress = await progressFor(ctx, o.json);
    const opts: MigrateOptions = {
      ...base,
      to: o.to,
      rehearse: Boolean(o.rehearse),
      state: o.state,
      folderMap: o.folderMap,
      maxBytesPerSecond: rate,
      verify: Boolean(o.verify),
      createAccounts: Boolean(o.createAccounts),
      passwdFile: o.passwdFile,
      toMaster: o.toMaster
        ? {
            user: o.toMaster,
            password: readSecret(o.toMasterPasswordFile, 'MAILCTL_TO_MASTER_PASSWORD', 'to-master'),
          }
        : undefined,
      sample: o.sample ? Number(o.sample) : undefined,
      retryDelayMs: parseDuration(o.retryDelay) ?? 1000,
      allowNewSource: Boolean(o.allowNewSource),
      logDir: o.logDir,
      onEvent: progress.event,
      loadConfig: () => ctx.config({ allowMissingDefault: true }),
    };
    let report: Awaited<ReturnType<typeof migrate>>;
    try {
      report = await migrate(opts);
    } finally {
      await progress.stop();
    }
    const r = await import('../migrate/report.js');
    if (o.report) writeFileSync(o.report, o.report.endsWith('.html') ? r.html(report) : r.markdown(report));
    if (o.json) ctx.io.json(report);
    else {
      const { table } = await import('../ui/output.js');
      const rows = r.userRows(report);
      ctx.io.out(
        table(
          rows,
          Object.keys(rows[0] ?? { user: '' }).map((k) => ({
            header: k.toUpperCase(),
            value: (x: (typeof rows)[number]) => x[k],
          })),
        ),
      );
      for (const l of r.summaryLines(report)) ctx.io.out(l);
      if (o.report) ctx.io.out(`report written to ${o.report}`);
    }
    process.exitCode = exitFor(report);
  });

  common(
    cmd
      .command('survey')
      .description('read the source only: folders, counts, sizes, dates, oddities, IMAP capabilities'),
  ).action(async (own: CommonOpts) => {
    // commander hands options shared with `migrate` to the parent: read them there
    const o = { ...own, ...cmd.opts<CommonOpts>() };
    (await import('../heap.js')).keepHeapSmall({ youngMaxMb: 8, growPercent: 20 });
    const { survey } = await import('../migrate/api.js');
    const s = await survey(await request(o));
    if (o.json) return ctx.io.json(s);
    const { table } = await import('../ui/output.js');
    const { surveyRows } = await import('../migrate/report.js');
    const { formatBytes } = await import('../proto/units.js');
    const rows = surveyRows(s);
    ctx.io.out(
      table(
        rows,
        Object.keys(rows[0] ?? { user: '' }).map((k) => ({
          header: k.toUpperCase(),
          value: (x: (typeof rows)[number]) => x[k],
        })),
      ),
    );
    for (const u of s.users) {
      if (u.status === 'failed') continue;
      ctx.io.out(
        `\n${u.user}${u.capabilities.length ? ` (server: ${u.capabilities.slice(0, 12).join(' ')}${u.capabilities.length > 12 ? ' …' : ''})` : ''}`,
      );
      ctx.io.out(
        table(u.folders, [
          { header: 'FOLDER', value: (f) => f.name + (f.specialUse ? ` (${f.specialUse})` : '') },
          { header: 'MESSAGES', value: (f) => f.messages, align: 'right' },
          { header: 'SIZE', value: (f) => formatBytes(f.bytes), align: 'right' },
          { header: 'OLDEST', value: (f) => f.oldest?.slice(0, 10) },
          { header: 'NEWEST', value: (f) => f.newest?.slice(0, 10) },
        ]),
      );
      for (const odd of u.oddities.slice(0, 20)) ctx.io.out(`  ! ${odd}`);
      for (const d of u.duplicateMessageIds.slice(0, 5))
        ctx.io.out(`  ! Message-ID ${d.messageId} used ${d.count} times`);
      for (const b of u.overSize)
        ctx.io.out(`  ! ${b.folder} ${b.key}: ${formatBytes(b.size)} is over --max-message-size`);
    }
    ctx.io.out(
      `\n${s.totals.users} user(s), ${s.totals.folders} folder(s), ${s.totals.messages} message(s), ${formatBytes(s.totals.bytes)}`,
    );
    if (s.totals.failed) {
      ctx.io.err(`${s.totals.failed} user(s) could not be read`);
      process.exitCode = s.users.every((u) => u.error?.code === 'unreachable') ? 4 : 1;
    }
  });
};

function exitFor(report: {
  clean: boolean;
  users: { status: string; error?: { code: string } }[];
  verified: boolean;
}): number {
  if (report.users.length && report.users.every((u) => u.error?.code === 'unreachable')) return 4;
  if (report.clean) return 0;
  return report.verified ? 5 : 1;
}

/** listr2 (one task per user: messages, bytes, rate, ETA) on a TTY; plain lines otherwise. */
async function progressFor(
  ctx: CliContext,
  json?: boolean,
): Promise<{ event: (e: RunEvent) => void; stop: () => Promise<void> }> {
  const { formatBytes } = await import('../proto/units.js');
  const started = new Map<string, number>();
  const line = (
    user: string,
    p: { messages: number; bytes: number; totalMessages: number; totalBytes: number },
  ) => {
    const secs = (Date.now() - (started.get(user) ?? Date.now())) / 1000;
    const rate = secs > 0 ? p.bytes / secs : 0;
    const eta = rate > 0 ? Math.max(0, (p.totalBytes - p.bytes) / rate) : 0;
    return `${p.messages}/${p.totalMessages} msgs, ${formatBytes(p.bytes)}/${formatBytes(p.totalBytes)}, ${formatBytes(rate)}/s, ETA ${eta.toFixed(0)} s`;
  };
  if (!process.stderr.isTTY || json) {
    let last = 0;
    return {
      event: (e) => {
        if (e.type === 'start') {
          started.set(e.user, Date.now());
          ctx.io.err(`${e.user}: started`);
        } else if (e.type === 'progress' && Date.now() - last > 2000) {
          last = Date.now();
          ctx.io.err(`${e.user}: ${line(e.user, e.progress)}`);
        } else if (e.type === 'retry')
          ctx.io.err(`${e.user}: attempt ${e.attempt} failed (${e.error}); retrying`);
        else if (e.type === 'done') {
          ctx.io.err(
            `${e.user}: ${e.report.status}${e.report.error ? ` — ${e.report.error.message}` : ''} (${e.report.copied} copied)`,
          );
        }
      },
      stop: async () => undefined,
    };
  }
  const { Listr, ProcessOutput } = await import('listr2');
  type Handle = { output: (s: string) => void; finish: (err?: Error) => void };
  const handles = new Map<string, Handle>();
  const pending = new Map<string, RunEvent[]>();
  const tasks: {
    title: string;
    task: (c: unknown, t: { output: string; title: string }) => Promise<void>;
  }[] = [];
  let list: InstanceType<typeof Listr> | undefined;
  let running: Promise<unknown> | undefined;
  const ensure = (user: string) => {
    if (handles.has(user) || pending.has(user)) return;
    pending.set(user, []);
    list?.add({
      title: user,
      task: (_c, t) =>
        new Promise<void>((resolve, reject) => {
          handles.set(user, {
            output: (s) => (t.output = s),
            finish: (err) => (err ? reject(err) : resolve()),
          });
          for (const e of pending.get(user) ?? []) handle(e);
          pending.delete(user);
        }),
    });
  };
  const handle = (e: RunEvent) => {
    const h = handles.get(e.user);
    if (!h) return pending.get(e.user)?.push(e);
    if (e.type === 'progress') h.output(line(e.user, e.progress));
    else if (e.type === 'retry') h.output(`attempt ${e.attempt} failed (${e.error}); retrying`);
    else if (e.type === 'done')
      h.finish(e.report.status === 'failed' ? new Error(e.report.error?.message ?? 'failed') : undefined);
  };
  list = new Listr(tasks, {
    concurrent: true,
    exitOnError: false,
    collectErrors: 'minimal',
    rendererOptions: { collapseErrors: false },
    processOutput: new ProcessOutput(process.stderr, process.stderr),
  } as ConstructorParameters<typeof Listr>[1]);
  return {
    event: (e) => {
      if (e.type === 'start') {
        started.set(e.user, Date.now());
        ensure(e.user);
        running ??= list?.run().catch(() => undefined);
      }
      handle(e);
    },
    stop: async () => {
      for (const h of handles.values()) h.finish();
      await running;
    },
  };
}
