/** AUTHENTICATE PLAIN / LOGIN (RFC 3501 6.2.2), with SASL-IR (RFC 4959) initial responses. */

import {
  decodeLoginField,
  decodePlain,
  effectiveIdentity,
  LOGIN_PASSWORD_PROMPT,
  LOGIN_USERNAME_PROMPT,
} from '../../../auth/sasl.js';
import { Args } from '../../../proto/imap/args.js';
import { plaintextAllowed } from '../capabilities.js';
import { login } from '../login.js';
import type { ImapSession } from '../session.js';
import { bad, type CommandHandler, NOT_AUTH, no } from '../types.js';

async function challenge(s: ImapSession, text: string): Promise<string | undefined> {
  s.send(`+ ${text}`);
  await s.flush();
  const line = await s.readLine();
  return line?.toString('latin1');
}

export const authenticate: CommandHandler = {
  name: 'AUTHENTICATE',
  states: NOT_AUTH,
  async run(s, c) {
    const a = new Args(c.args, 'AUTHENTICATE');
    const mech = a.atom('mechanism').toUpperCase();
    const initial = a.remaining ? a.astring('initial response') : undefined;
    a.end();
    if (!plaintextAllowed(s))
      return no('use STARTTLS (or port 993) before authenticating', 'PRIVACYREQUIRED');
    if (mech === 'PLAIN') {
      // "=" is an empty initial response (RFC 4959).
      const resp = initial !== undefined ? (initial === '=' ? '' : initial) : await challenge(s, '');
      if (resp === undefined) return bad('connection closed');
      const r = decodePlain(resp);
      if (!r.ok)
        return r.reason === 'cancelled'
          ? bad('authentication cancelled')
          : bad(`malformed PLAIN response (${r.reason})`);
      const who = effectiveIdentity(r.credentials);
      if (!who) return no('authorization identity differs from the user', 'AUTHORIZATIONFAILED');
      return login(s, who, r.credentials.password);
    }
    if (mech === 'LOGIN') {
      const u = initial !== undefined ? initial : await challenge(s, LOGIN_USERNAME_PROMPT);
      if (u === undefined) return bad('connection closed');
      const user = decodeLoginField(u);
      if (!user.ok)
        return user.reason === 'cancelled'
          ? bad('authentication cancelled')
          : bad(`malformed LOGIN response (${user.reason})`);
      const p = await challenge(s, LOGIN_PASSWORD_PROMPT);
      if (p === undefined) return bad('connection closed');
      const pass = decodeLoginField(p);
      if (!pass.ok)
        return pass.reason === 'cancelled'
          ? bad('authentication cancelled')
          : bad(`malformed LOGIN response (${pass.reason})`);
      return login(s, user.value, pass.value);
    }
    return no(`unsupported mechanism ${mech.slice(0, 30)}`, 'CANNOT');
  },
};
