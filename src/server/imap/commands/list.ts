/**
 * LIST (RFC 3501 6.3.8) with the parts of LIST-EXTENDED clients send for SPECIAL-USE
 * (RFC 6154): selection options (SUBSCRIBED, SPECIAL-USE) and RETURN (…). Attributes always
 * include \HasChildren/\HasNoChildren (CHILDREN) and the special-use flag.
 */
import { Args, astringOf } from '../../../proto/imap/args.js';
import { mailbox } from '../../../proto/imap/encode.js';
import type { RawCommand } from '../../../proto/imap/tokens.js';
import type { FolderInfo } from '../../../store/store.js';
import { patternMatcher, toWire } from '../names.js';
import type { ImapSession } from '../session.js';
import { AUTH, type CommandHandler, ok, type Tagged } from '../types.js';

export function attributes(f: FolderInfo, subscribedFlag: boolean): string {
  const attrs: string[] = [];
  if (!f.selectable) attrs.push('\\Noselect');
  attrs.push(f.hasChildren ? '\\HasChildren' : '\\HasNoChildren');
  if (f.specialUse) attrs.push(f.specialUse);
  if (subscribedFlag && f.subscribed) attrs.push('\\Subscribed');
  return `(${attrs.join(' ')})`;
}

export async function listLike(s: ImapSession, c: RawCommand, lsub: boolean): Promise<Tagged> {
  const a = new Args(c.args, c.name);
  const selection = lsub ? undefined : a.optionalList();
  const reference = a.astring('reference');
  const patTok = a.next('mailbox pattern');
  const patterns =
    patTok.type === 'list'
      ? patTok.items.map((t) => astringOf(t, 'pattern'))
      : [astringOf(patTok, 'pattern')];
  let returnOpts: string[] = [];
  if (!lsub && a.remaining) {
    if (a.atom('RETURN').toUpperCase() !== 'RETURN') return { status: 'BAD', text: 'expected RETURN' };
    returnOpts = a.list('return options').map((t) => (t.type === 'atom' ? t.value.toUpperCase() : ''));
  }
  a.end();
  const sel = new Set((selection ?? []).map((t) => (t.type === 'atom' ? t.value.toUpperCase() : '')));
  const onlySubscribed = lsub || sel.has('SUBSCRIBED');
  const onlySpecial = sel.has('SPECIAL-USE');
  const verb = lsub ? 'LSUB' : 'LIST';
  if (patterns.length === 1 && patterns[0] === '') {
    s.send(`* ${verb} (\\Noselect) "." ""`);
    return ok(`${verb} completed`);
  }
  const matchers = patterns.map((p) => patternMatcher(reference, p));
  const folders = await s.ctx.store.listFolders(s.user!);
  const showSubscribed = onlySubscribed || returnOpts.includes('SUBSCRIBED');
  for (const f of folders) {
    if (onlySubscribed && !f.subscribed) continue;
    if (onlySpecial && !f.specialUse) continue;
    const wire = toWire(f.name);
    if (!matchers.some((m) => m(wire))) continue;
    s.send(`* ${verb} ${attributes(f, showSubscribed && !lsub)} "." ${mailbox(wire)}`);
    await s.maybeFlush();
  }
  return ok(`${verb} completed`);
}

export const list: CommandHandler = {
  name: 'LIST',
  states: AUTH,
  run: (s, c) => listLike(s, c, false),
};
