/** Every IMAP command handler, by name. A new command is one file and one line here. */
import type { CommandHandler } from '../types.js';
import { append } from './append.js';
import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { check } from './check.js';
import { close } from './close.js';
import { copy } from './copy.js';
import { create } from './create.js';
import { del } from './delete.js';
import { enable } from './enable.js';
import { examine } from './examine.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { getquota } from './getquota.js';
import { getquotaroot } from './getquotaroot.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list } from './list.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { lsub } from './lsub.js';
import { move } from './move.js';
import { namespace } from './namespace.js';
import { noop } from './noop.js';
import { rename } from './rename.js';
import { search } from './search.js';
import { select } from './select.js';
import { setquota } from './setquota.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import { subscribe } from './subscribe.js';
import { unselect } from './unselect.js';
import { unsubscribe } from './unsubscribe.js';

const all: CommandHandler[] = [
  append,
  authenticate,
  capability,
  check,
  close,
  copy,
  create,
  del,
  enable,
  examine,
  expunge,
  fetch,
  getquota,
  getquotaroot,
  id,
  idle,
  list,
  login,
  logout,
  lsub,
  move,
  namespace,
  noop,
  rename,
  search,
  select,
  setquota,
  starttls,
  status,
  store,
  subscribe,
  unselect,
  unsubscribe,
];

export const handlers: ReadonlyMap<string, CommandHandler> = new Map(all.map((h) => [h.name, h]));
