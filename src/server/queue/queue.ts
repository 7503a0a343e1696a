/**
 * The outbound queue as the rest of the daemon sees it. SMTP (submission, alias expansion
 * to external addresses) hands messages here; the queue runner (a service) delivers them.
 * `enqueue` resolves only after the message and its metadata are on disk (fsync).
 */
import type { Readable } from 'node:stream';

export interface EnqueueRequest {
  /** Envelope sender; "" for bounces (never bounced again). */
  sender: string;
  recipients: string[];
  /** Session id of the SMTP transaction, for logs. */
  sessionId?: string;
  /** Authenticated user, when submitted. */
  authUser?: string;
  /** Text prepended to the stored message (Received …), CRLF-terminated. */
  prepend?: string;
  /** Sign with DKIM before delivery (outbound from local users). */
  dkimSign?: boolean;
}

export interface QueuedMessage {
  id: string;
  sender: string;
  recipients: QueuedRecipient[];
  size: number;
  createdAt: Date;
  held: boolean;
  attempts: number;
  nextAttemptAt?: Date;
  lastError?: string;
}

export interface QueuedRecipient {
  address: string;
  status: 'pending' | 'delivered' | 'failed' | 'deferred';
  lastError?: string;
}

export interface OutboundQueue {
  enqueue(req: EnqueueRequest, body: Readable): Promise<{ id: string; size: number }>;
  list(): Promise<QueuedMessage[]>;
  get(id: string): Promise<QueuedMessage | undefined>;
  /** Makes the message (or all) due now. */
  retry(id?: string): Promise<number>;
  remove(id: string): Promise<void>;
  hold(id: string): Promise<void>;
  release(id: string): Promise<void>;
  close(): Promise<void>;
}
