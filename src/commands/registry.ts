/** Every registered command. Only commands that really work are listed here. */

import { register as accounts } from './accounts.js';
import { register as aliases } from './aliases.js';
import { register as audit } from './audit.js';
import { register as bench } from './bench.js';
import { register as config } from './config.js';
import type { Register } from './context.js';
import { register as domains } from './domains.js';
import { register as init } from './init.js';
import { register as migrate } from './migrate.js';
import { register as queue } from './queue.js';
import { register as serve } from './serve.js';
import { register as size } from './size.js';

export const registry: Register[] = [
  domains,
  accounts,
  aliases,
  size,
  config,
  serve,
  init,
  audit,
  migrate,
  bench,
  queue,
];
