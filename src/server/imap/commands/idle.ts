/**
 * RFC 2177 IDLE. Store change events mark the selected mailbox dirty and wake us; the
 * updates go out at once (SMTP deliveries in this process are announced in milliseconds).
 */
import { Args } from '../../../proto/imap/args.js';
import { AUTH, bad, type CommandHandler, ok } from '../types.js';

export const idle: CommandHandler = {
  name: 'IDLE',
  states: AUTH,
  async run(s, c) {
    new Args(c.args, 'IDLE').end();
    s.send('+ idling');
    await s.flush();
    let chain = Promise.resolve();
    const push = () => {
      chain = chain
        .then(async () => {
          if (!s.selected?.dirty || s.isClosed) return;
          await s.selected.sync(s, { expunge: true });
          await s.flush();
        })
        .catch((e) => s.log.warn({ session: s.id, err: (e as Error).message }, 'imap idle update failed'));
    };
    s.idling = push;
    push();
    const line = await s.readLine();
    s.idling = undefined;
    await chain;
    if (line === undefined) return bad('connection closed');
    if (line.toString('latin1').trim().toUpperCase() !== 'DONE') return bad('expected DONE');
    return ok('IDLE terminated');
  },
};
