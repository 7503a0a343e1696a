/** The queue's SQLite tables. One row per message, one per (message, recipient). */
import type Database from 'better-sqlite3';

export interface MessageRow {
  id: string;
  /** Segment file number, byte offset and length of the stored message (prepend included). */
  seg: number;
  off: number;
  len: number;
  sender: string;
  /** Milliseconds since the epoch. */
  created: number;
  held: 0 | 1;
  attempts: number;
  next_attempt: number;
  last_error: string | null;
  /** 1 once the delay warning DSN went out. */
  warned: 0 | 1;
  /** 1 = DKIM-sign when sending. */
  dkim: 0 | 1;
  session_id: string | null;
  auth_user: string | null;
}

export interface RecipientRow {
  msg_id: string;
  rcpt: string;
  status: 'pending' | 'delivered' | 'failed' | 'deferred';
  last_error: string | null;
  updated: number | null;
}

const VERSION = 1;

export function migrate(db: Database.Database): void {
  const v = db.pragma('user_version', { simple: true }) as number;
  if (v >= VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS messages (
      id TEXT PRIMARY KEY,
      seg INTEGER NOT NULL,
      off INTEGER NOT NULL,
      len INTEGER NOT NULL,
      sender TEXT NOT NULL,
      created INTEGER NOT NULL,
      held INTEGER NOT NULL DEFAULT 0,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt INTEGER NOT NULL,
      last_error TEXT,
      warned INTEGER NOT NULL DEFAULT 0,
      dkim INTEGER NOT NULL DEFAULT 0,
      session_id TEXT,
      auth_user TEXT
    );
    CREATE INDEX IF NOT EXISTS messages_due ON messages (held, next_attempt);
    CREATE INDEX IF NOT EXISTS messages_seg ON messages (seg);
    CREATE TABLE IF NOT EXISTS recipients (
      msg_id TEXT NOT NULL,
      rcpt TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending',
      last_error TEXT,
      updated INTEGER,
      PRIMARY KEY (msg_id, rcpt)
    ) WITHOUT ROWID;
    PRAGMA user_version = ${VERSION};
  `);
}
