/**
 * Shared set-up for the migration interop tests: a generated legacy corpus, a real Dovecot
 * serving it as the source (per-user logins and a master user), and an empty second
 * Dovecot as an IMAP target. Everything under one temp dir, stopped by the caller.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Corpus, generateCorpus } from '../../fixtures/corpus/generate.js';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';

export const MASTER = { user: 'admin', password: 'master-secret' };

export function corpus(dir: string, users = 3, messagesPerUser = 40): Corpus {
  return generateCorpus(join(dir, 'corpus'), {
    seed: 7,
    users,
    messagesPerUser,
    avgBytes: 0,
    bigAttachments: 0,
  });
}

export async function sourceDovecot(dir: string, c: Corpus, separator: '.' | '/' = '/'): Promise<Dovecot> {
  const mailRoot = join(dir, 'source-mail');
  mkdirSync(mailRoot, { recursive: true });
  // Dovecot writes its index and uidlist into the Maildir: give it a copy, keep the corpus pristine
  cpSync(c.maildirRoot, mailRoot, { recursive: true, preserveTimestamps: true });
  return startDovecot({
    dir: join(dir, 'source-dovecot'),
    mailRoot,
    mailPath: '%n/Maildir',
    separator,
    users: c.manifest.users.map((u) => ({ user: u.name, password: u.password })),
    master: MASTER,
  });
}

export async function targetDovecot(dir: string, users: string[], extraConf?: string): Promise<Dovecot> {
  return startDovecot({
    dir: join(dir, 'target-dovecot'),
    mailRoot: join(dir, 'target-mail'),
    mailPath: '%n/Maildir',
    separator: '/',
    users: users.map((u) => ({ user: u, password: `${u}-target` })),
    master: MASTER,
    extraConf,
  });
}
