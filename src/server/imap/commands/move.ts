import { type CommandHandler, SELECTED } from '../types.js';
import { copyOrMove } from './copy.js';

/** RFC 6851 MOVE / UID MOVE. */
export const move: CommandHandler = {
  name: 'MOVE',
  states: SELECTED,
  uid: true,
  run: (s, c) => copyOrMove(s, c, true),
};
