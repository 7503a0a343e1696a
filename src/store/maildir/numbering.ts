/**
 * UIDs for freshly delivered files, with group commit: deliveries to one folder that wait
 * at the same time share one dovecot-uidlist lock and one append. A file that another
 * process (Dovecot, a second mailctl) numbered first keeps that UID.
 *
 * Callers that do not need the UID (SMTP delivery) use numberLater(): the file joins a
 * batch numbered after a short window, so a burst of deliveries takes the lock once
 * instead of once per message. Creating the lock file is the costly part here (an
 * O_EXCL create, ~0.5 ms of blocked event loop under fsync load on ext4). The uidlist was
 * never part of the durability promise (it is not fsynced; a file without a record is
 * numbered by the next sync(), as for mail any other MDA drops in), so nothing a crash
 * could lose changes.
 */
import { parseName } from './filename.js';
import type { FolderState } from './folder.js';
import { withDotLock } from './lock.js';

interface Waiter {
  file: string;
  resolve: (uid: number) => void;
  reject: (e: unknown) => void;
}

interface Queue {
  waiting: Waiter[];
  running: boolean;
  /** Set while a background batch waits for its window to close. */
  timer?: NodeJS.Timeout;
}

/** How long background numbering collects files before taking the lock. */
export const LATER_WINDOW_MS = 20;

const queues = new WeakMap<FolderState, Queue>();
/** Folders with a background batch pending, for flushLater(). */
const pendingLater = new Set<FolderState>();

function queueOf(state: FolderState): Queue {
  let q = queues.get(state);
  if (!q) {
    q = { waiting: [], running: false };
    queues.set(state, q);
  }
  return q;
}

const noop = () => undefined;

/** Numbers the file soon, in a batch; nobody waits for it (errors: the next sync() numbers it). */
export function numberLater(state: FolderState, file: string): void {
  const q = queueOf(state);
  q.waiting.push({ file, resolve: noop, reject: noop });
  if (q.running || q.timer) return;
  pendingLater.add(state);
  q.timer = setTimeout(() => {
    q.timer = undefined;
    pendingLater.delete(state);
    if (!q.running) void drain(state, q);
  }, LATER_WINDOW_MS);
}

/** Numbers every background batch now (shutdown, tests). */
export async function flushLater(): Promise<void> {
  const states = [...pendingLater];
  // An empty name is a barrier: it joins the batch and resolves when the batch is written.
  await Promise.all(states.map((s) => numberFile(s, '').catch(() => undefined)));
}

export function numberFile(state: FolderState, file: string): Promise<number> {
  const queue = queueOf(state);
  const p = new Promise<number>((resolve, reject) => queue.waiting.push({ file, resolve, reject }));
  schedule(state, queue);
  return p;
}

/** Starts a batch after one event-loop turn (which lets deliveries finishing together share the lock); a waiting background batch joins it. */
function schedule(state: FolderState, queue: Queue): void {
  if (queue.timer) {
    clearTimeout(queue.timer);
    queue.timer = undefined;
    pendingLater.delete(state);
  }
  if (!queue.running) {
    queue.running = true;
    setImmediate(() => void drain(state, queue));
  }
}

/** Numbers several files at once, in the given order (COPY: UIDs follow the source order). */
export function numberFiles(state: FolderState, files: readonly string[]): Promise<number[]> {
  return Promise.all(files.map((f) => numberFile(state, f)));
}

async function drain(state: FolderState, q: Queue): Promise<void> {
  q.running = true;
  try {
    while (q.waiting.length > 0) {
      const batch = q.waiting.splice(0, q.waiting.length);
      try {
        const uids = await assign(
          state,
          batch.map((w) => w.file),
        );
        for (const [i, w] of batch.entries()) w.resolve(uids[i]);
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
  } finally {
    q.running = false;
  }
}

async function assign(state: FolderState, files: string[]): Promise<number[]> {
  const ul = state.uidlist;
  return withDotLock(ul.path, { fsync: state.fsync }, (lock) => {
    ul.refresh();
    const bases = files.map((f) => (f === '' ? '' : parseName(f).base));
    const todo = [...new Set(files.filter((f, i) => f !== '' && ul.uidOf(bases[i]) === undefined))];
    if (!ul.loaded) ul.create(lock, todo);
    else if (todo.length > 0) ul.append(todo);
    const uids = bases.map((b) => ul.uidOf(b) ?? 0);
    // numbered by another process first: settle() keeps that UID for uidOf()
    for (const b of bases) ul.settle(b);
    return uids;
  });
}
