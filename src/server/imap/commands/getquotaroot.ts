import { Args } from '../../../proto/imap/args.js';
import { mailbox } from '../../../proto/imap/encode.js';
import { fromWire, toWire } from '../names.js';
import type { ImapSession } from '../session.js';
import { AUTH, type CommandHandler, ok } from '../types.js';

/** One quota root "" per user: storage in KiB (RFC 9208 / 2087). Unlimited accounts have no root. */
export async function quotaLine(s: ImapSession): Promise<string | undefined> {
  const q = await s.ctx.store.quota(s.user!);
  if (!q.limitBytes) return undefined;
  return `* QUOTA "" (STORAGE ${Math.ceil(q.usedBytes / 1024)} ${Math.floor(q.limitBytes / 1024)})`;
}

export const getquotaroot: CommandHandler = {
  name: 'GETQUOTAROOT',
  states: AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'GETQUOTAROOT');
    const folder = fromWire(a.astring('mailbox'));
    a.end();
    const line = await quotaLine(s);
    s.send(`* QUOTAROOT ${mailbox(toWire(folder))}${line ? ' ""' : ''}`);
    if (line) s.send(line);
    return ok('GETQUOTAROOT completed');
  },
};
