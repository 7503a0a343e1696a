/** A client on the MX listener that greets with our own host name is lying (a common spam trait). */
import { Replies } from '../../../../proto/smtp-reply.js';
import type { Check } from '../check.js';
import { pass, reject } from '../verdict.js';

export const check: Check = {
  name: 'helo-impersonation',
  stage: 'helo',
  order: 10,
  enabled: (_config, listener) => listener === 'smtp',
  run(ctx) {
    const helo = ctx.session.helo?.toLowerCase();
    if (helo && helo === ctx.daemon.config.hostname.toLowerCase()) {
      return reject('helo-is-our-name', Replies.heloImpersonation);
    }
    return pass();
  },
};
