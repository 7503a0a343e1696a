import { Args } from '../../../proto/imap/args.js';
import { ANY, type CommandHandler, ok } from '../types.js';

/** RFC 2971 ID: we log what the client says about itself and name ourselves. */
export const id: CommandHandler = {
  name: 'ID',
  states: ANY,
  async run(s, c) {
    const a = new Args(c.args, 'ID');
    const params = a.optionalList();
    if (!params) a.atom('NIL');
    a.end();
    if (params) {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < params.length && i < 60; i += 2) {
        const k = params[i];
        const v = params[i + 1];
        if (k.type === 'list' || v.type === 'list') continue;
        const key = (k.type === 'atom' ? k.value : k.value.toString('utf8')).slice(0, 30);
        fields[key] = (v.type === 'atom' ? v.value : v.value.toString('utf8')).slice(0, 100);
      }
      s.log.debug({ session: s.id, client: fields }, 'imap client id');
    }
    s.send('* ID ("name" "mailctl" "vendor" "mailctl")');
    return ok('ID completed');
  },
};
