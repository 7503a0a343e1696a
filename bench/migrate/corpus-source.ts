/** The benchmark's legacy server: a real Dovecot serving the generated corpus's Maildir. */
import { join } from 'node:path';
import type { Manifest } from '../../fixtures/corpus/generate.js';
import { type Dovecot, startDovecot } from '../../test/helpers/dovecot.js';

export const MASTER = { user: 'admin', password: 'master-secret' };

/** Starts Dovecot on `workDir`/corpus (per-user logins and the master user), state in `dirName`. */
export function startCorpusSource(workDir: string, m: Manifest, dirName: string): Promise<Dovecot> {
  return startDovecot({
    dir: join(workDir, dirName),
    mailRoot: join(workDir, 'corpus', 'maildir'),
    mailPath: '%n/Maildir',
    separator: '.',
    users: m.users.map((u) => ({ user: u.name, password: u.password })),
    master: MASTER,
  });
}
