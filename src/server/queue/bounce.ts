/**
 * Getting a DSN to the original sender without losing or duplicating state: for a remote
 * sender the DSN is enqueued in the same SQLite transaction that records the failure
 * (both or neither); for a local sender it is stored with Store.deliver first and the
 * failure recorded after (a crash in between repeats the attempt: at-least-once, as SMTP).
 */
import type { Directory } from '../../directory/directory.js';
import type { Store } from '../../store/store.js';
import type { Spool } from './spool.js';

export interface BounceDeps {
  directory: Pick<Directory, 'recipient'>;
  store: Pick<Store, 'deliver'>;
  spool: Spool;
  log?: (fields: Record<string, unknown>, msg: string) => void;
}

/** Local mailboxes and remote addresses a notice for `sender` goes to (aliases expanded one level). */
async function destinations(
  sender: string,
  directory: BounceDeps['directory'],
): Promise<{ local: string[]; remote: string[] }> {
  const r = await directory.recipient(sender);
  if (r.kind === 'account') return { local: [r.account.address], remote: [] };
  if (r.kind === 'remote') return { local: [], remote: [sender] };
  if (r.kind === 'unknown-local') return { local: [], remote: [] };
  const out = { local: [] as string[], remote: [] as string[] };
  for (const t of r.targets) {
    const x = await directory.recipient(t);
    if (x.kind === 'account') out.local.push(x.account.address);
    else if (x.kind === 'remote') out.remote.push(t);
  }
  return out;
}

/**
 * Delivers `dsn` to `sender`, then makes `commit` (synchronous SQLite statements) durable.
 * Throws when the notice cannot be stored; then nothing was committed.
 */
export async function sendNotice(
  sender: string,
  dsn: Buffer,
  commit: () => void,
  deps: BounceDeps,
): Promise<string> {
  const { local, remote } = await destinations(sender, deps.directory);
  if (local.length > 0) {
    await deps.store.deliver(
      local.map((user) => ({ user, folder: 'INBOX' })),
      dsn,
      { source: 'local', prepend: 'Return-Path: <>\r\n' },
    );
  }
  if (remote.length > 0) {
    const { id } = await deps.spool.enqueueWith({ sender: '', recipients: remote }, dsn, commit);
    return `queued as ${id}`;
  }
  await deps.spool.commit(commit);
  if (local.length > 0) return `stored for ${local.join(', ')}`;
  deps.log?.({ sender }, 'bounce dropped: the sender address does not exist here');
  return 'dropped (unknown local sender)';
}
