import { AUTH, type CommandHandler } from '../types.js';
import { selectMailbox } from './select.js';

export const examine: CommandHandler = {
  name: 'EXAMINE',
  states: AUTH,
  run: (s, c) => selectMailbox(s, c, true),
};
