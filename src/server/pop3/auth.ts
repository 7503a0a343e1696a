/**
 * The AUTHORIZATION state: USER/PASS (RFC 1939) and AUTH PLAIN / LOGIN (RFC 5034), the
 * TLS-first rule (RFC 2595), the failure delay and event, then the maildrop lock.
 */
import {
  decodeLoginField,
  decodePlain,
  effectiveIdentity,
  LOGIN_PASSWORD_PROMPT,
  LOGIN_USERNAME_PROMPT,
} from '../../auth/sasl.js';
import * as P from '../../proto/pop3.js';
import { Maildrop } from './maildrop.js';
import type { Pop3Session } from './session.js';

export interface AuthState {
  failures: number;
  /** Name given by USER, waiting for PASS. */
  user?: string;
}

const MAX_FAILURES = 3;
/** A maildrop lock not touched for this long (beyond the idle timeout) is stale. */
const LOCK_STALE_MARGIN_MS = 60_000;

const PLAINTEXT_REFUSED =
  'Plaintext authentication disallowed on non-secure connections; use STLS or port 995';

export async function handleAuthCommand(
  s: Pop3Session,
  cmd: Extract<P.ParsedCommand, { ok: true }>,
): Promise<void> {
  switch (cmd.verb) {
    case 'USER': {
      if (!s.plaintextAllowed()) return s.send(P.err(PLAINTEXT_REFUSED, 'AUTH'));
      if (cmd.args.length !== 1) return s.bad('USER takes one argument');
      s.auth.user = cmd.args[0];
      return s.send(P.ok());
    }
    case 'PASS': {
      if (!s.plaintextAllowed()) return s.send(P.err(PLAINTEXT_REFUSED, 'AUTH'));
      const user = s.auth.user;
      s.auth.user = undefined;
      if (user === undefined) return s.bad('USER first');
      if (cmd.rest.length === 0) return s.bad('PASS needs a password');
      return login(s, user, cmd.rest);
    }
    case 'AUTH':
      return auth(s, cmd.args);
    case 'APOP':
      return s.send(P.err('APOP is not supported; use AUTH PLAIN over TLS'));
    default:
      return s.bad(`${cmd.verb} is not valid before login`);
  }
}

async function auth(s: Pop3Session, args: string[]): Promise<void> {
  if (args.length === 0) return s.send(P.multiline('', ['PLAIN', 'LOGIN']));
  if (!s.plaintextAllowed()) return s.send(P.err(PLAINTEXT_REFUSED, 'AUTH'));
  const mech = args[0].toUpperCase();
  if (mech === 'PLAIN') {
    const withCreds = async (b64: string) => {
      const r = decodePlain(b64);
      if (!r.ok)
        return s.send(P.err(r.reason === 'cancelled' ? 'AUTH cancelled' : 'malformed PLAIN response'));
      const who = effectiveIdentity(r.credentials);
      if (who === undefined) return failed(s, r.credentials.authcid, 'authzid');
      return login(s, who, r.credentials.password);
    };
    if (args.length > 1) return withCreds(args[1] === '=' ? '' : args[1]);
    s.continuation = withCreds;
    return s.send('+ \r\n');
  }
  if (mech === 'LOGIN') {
    const askPassword = (user: string) => {
      s.continuation = async (line) => {
        const p = decodeLoginField(line);
        if (!p.ok) return s.send(P.err('AUTH cancelled or malformed'));
        await login(s, user, p.value);
      };
      s.send(`+ ${LOGIN_PASSWORD_PROMPT}\r\n`);
    };
    const withUser = async (line: string) => {
      const u = decodeLoginField(line);
      if (u.ok) askPassword(u.value);
      else s.send(P.err('AUTH cancelled or malformed'));
    };
    if (args.length > 1) return withUser(args[1]);
    s.continuation = withUser;
    return s.send(`+ ${LOGIN_USERNAME_PROMPT}\r\n`);
  }
  return s.send(P.err(`unsupported mechanism ${mech.slice(0, 20)}`));
}

async function failed(s: Pop3Session, user: string, reason: string): Promise<void> {
  const { config, events } = s.ctx;
  s.auth.failures++;
  events.emit('auth-failure', {
    service: 'pop3',
    ip: s.remoteAddress,
    user: user.slice(0, 200),
    reason,
    session: s.id,
  });
  s.log.info({ session: s.id, ip: s.remoteAddress, user: user.slice(0, 200), reason }, 'pop3 login failed');
  const delay = config.pop3.auth_failure_delay;
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  s.send(P.err('authentication failed', 'AUTH'));
  if (s.auth.failures >= MAX_FAILURES) {
    s.send(P.err('too many failed logins'));
    s.close();
  }
}

async function login(s: Pop3Session, user: string, password: string): Promise<void> {
  const { directory, store, config } = s.ctx;
  const r = await directory.authenticate(user.trim(), password);
  if (!r.ok || !r.account) return failed(s, user, r.reason ?? 'unknown-user');
  const address = r.account.address;
  await store.ensureUser(address);
  const lock = await store.lockMailbox(
    { user: address, folder: 'INBOX' },
    { staleMs: config.pop3.idle_timeout + LOCK_STALE_MARGIN_MS },
  );
  if (!lock) return s.send(P.err('your maildrop is in use by another session', 'IN-USE'));
  if (s.state === 'closed') {
    await lock.release();
    return;
  }
  try {
    s.maildrop = await Maildrop.open(store, address);
  } catch (e) {
    await lock.release();
    throw e;
  }
  s.lock = lock;
  s.user = address;
  s.state = 'transaction';
  s.log.info({ session: s.id, ip: s.remoteAddress, user: address }, 'pop3 login');
  const st = s.maildrop.stat();
  s.send(P.ok(`logged in: ${st.count} message${st.count === 1 ? '' : 's'} (${st.octets} octets)`));
}
