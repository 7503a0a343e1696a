/** The one login path for LOGIN and AUTHENTICATE: TLS rule, directory check, failure delay and event, limits. */

import { capabilities, plaintextAllowed } from './capabilities.js';
import type { ImapSession } from './session.js';
import type { Tagged } from './types.js';

const MAX_FAILURES_PER_CONNECTION = 3;

export async function login(s: ImapSession, user: string, password: string): Promise<Tagged> {
  if (!plaintextAllowed(s))
    return { status: 'NO', code: 'PRIVACYREQUIRED', text: 'use STARTTLS (or port 993) before logging in' };
  const { directory, store, config, events } = s.ctx;
  const r = await directory.authenticate(user.trim(), password);
  if (!r.ok || !r.account) {
    s.authFailures++;
    events.emit('auth-failure', {
      service: 'imap',
      ip: s.remoteAddress,
      user: user.slice(0, 200),
      reason: r.reason ?? 'unknown-user',
      session: s.id,
    });
    s.log.info(
      { session: s.id, ip: s.remoteAddress, user: user.slice(0, 200), reason: r.reason },
      'imap login failed',
    );
    const delay = config.imap.auth_failure_delay;
    if (delay > 0) await new Promise((res) => setTimeout(res, delay));
    if (s.authFailures >= MAX_FAILURES_PER_CONNECTION) {
      s.send('* BYE too many failed logins');
      s.afterTagged = async () => s.close();
    }
    return { status: 'NO', code: 'AUTHENTICATIONFAILED', text: 'authentication failed' };
  }
  const address = r.account.address;
  if (!s.host.userEnter(address)) {
    return { status: 'NO', code: 'LIMIT', text: `too many sessions for ${address}` };
  }
  s.authenticated(address);
  await store.ensureUser(address);
  s.log.info({ session: s.id, ip: s.remoteAddress, user: address }, 'imap login');
  return { status: 'OK', code: `CAPABILITY ${capabilities(s)}`, text: 'logged in' };
}
