/**
 * Recipients in our domains: an account (with quota), an alias (expanded; external targets
 * go to the queue) or the domain catch-all is accepted; anything else is 550 5.1.1.
 * Recipients in other domains get no opinion here (relay-permission decides).
 */
import type { Account, Directory } from '../../../../directory/directory.js';
import { Replies } from '../../../../proto/smtp-reply.js';
import type { Check } from '../check.js';
import type { PolicyContext, Resolution } from '../context.js';
import { accept, defer, pass, reject, type Verdict } from '../verdict.js';

const MAX_ALIAS_DEPTH = 5;

/** Follows alias targets to accounts (local) and external addresses (remote). */
async function expand(dir: Directory, targets: string[], depth: number, out: Resolution): Promise<void> {
  for (const t of targets) {
    const r = await dir.recipient(t);
    if (r.kind === 'account') {
      if (!r.account.disabled) out.local.push(r.account.address);
    } else if (r.kind === 'remote') {
      out.remote.push(t);
    } else if (r.kind === 'alias' && depth < MAX_ALIAS_DEPTH) {
      await expand(dir, r.targets, depth + 1, out);
    }
  }
}

async function quotaVerdict(ctx: PolicyContext, account: Account): Promise<Verdict | undefined> {
  if (account.quota === 0 && ctx.daemon.config.store.default_quota === 0) return undefined;
  const q = await ctx.daemon.store.quota(account.address);
  if (q.limitBytes > 0 && q.usedBytes >= q.limitBytes) {
    return ctx.daemon.config.smtp.quota_reply === 'permanent'
      ? reject('over-quota', Replies.mailboxFullPerm)
      : defer('over-quota', Replies.mailboxFullTemp);
  }
  return undefined;
}

export const check: Check = {
  name: 'local-recipient',
  stage: 'rcpt',
  order: 20,
  async run(ctx) {
    const step = ctx.rcpt;
    if (!step?.parsed.ok) return pass();
    const dir = ctx.daemon.directory;
    const r = await dir.recipient(step.parsed.value.address);
    switch (r.kind) {
      case 'remote':
        return pass('not-local');
      case 'unknown-local':
        return reject('unknown-user', Replies.unknownUser);
      case 'account': {
        if (r.account.disabled) return reject('mailbox-disabled', Replies.mailboxDisabled);
        const q = await quotaVerdict(ctx, r.account);
        if (q) return q;
        step.resolution = { kind: 'account', local: [r.account.address], remote: [] };
        return accept('local-account');
      }
      case 'alias': {
        const res: Resolution = {
          kind: r.alias.address.startsWith('@') ? 'catch-all' : 'alias',
          local: [],
          remote: [],
        };
        await expand(dir, r.targets, 1, res);
        if (res.local.length === 0 && res.remote.length === 0) {
          return reject('alias-without-targets', Replies.unknownUser);
        }
        step.resolution = res;
        return accept(res.kind === 'catch-all' ? 'catch-all' : 'local-alias');
      }
    }
  },
};
