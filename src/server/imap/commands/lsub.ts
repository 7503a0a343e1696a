import { AUTH, type CommandHandler } from '../types.js';
import { listLike } from './list.js';

export const lsub: CommandHandler = {
  name: 'LSUB',
  states: AUTH,
  run: (s, c) => listLike(s, c, true),
};
