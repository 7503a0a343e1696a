/** Every registered command. Only commands that really work are listed here. */
import type { Register } from './context.js';

export const registry: Register[] = [];
