/**
 * UIDs for freshly delivered files, with group commit: deliveries to one folder that wait
 * at the same time share one dovecot-uidlist lock and one append. A file that another
 * process (Dovecot, a second mailctl) numbered first keeps that UID.
 */
import { parseName } from './filename.js';
import type { FolderState } from './folder.js';
import { withDotLock } from './lock.js';

interface Waiter {
  file: string;
  resolve: (uid: number) => void;
  reject: (e: unknown) => void;
}

const queues = new WeakMap<FolderState, { waiting: Waiter[]; running: boolean }>();

export function numberFile(state: FolderState, file: string): Promise<number> {
  let q = queues.get(state);
  if (!q) {
    q = { waiting: [], running: false };
    queues.set(state, q);
  }
  const queue = q;
  const p = new Promise<number>((resolve, reject) => queue.waiting.push({ file, resolve, reject }));
  // One event-loop turn of grace lets deliveries finishing together share the lock.
  if (!queue.running) {
    queue.running = true;
    setImmediate(() => void drain(state, queue));
  }
  return p;
}

/** Numbers several files at once, in the given order (COPY: UIDs follow the source order). */
export function numberFiles(state: FolderState, files: readonly string[]): Promise<number[]> {
  return Promise.all(files.map((f) => numberFile(state, f)));
}

async function drain(state: FolderState, q: { waiting: Waiter[]; running: boolean }): Promise<void> {
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
    const bases = files.map((f) => parseName(f).base);
    const todo = files.filter((_, i) => !ul.byBase.has(bases[i]));
    if (!ul.loaded) ul.create(lock, todo);
    else if (todo.length > 0) ul.append(todo);
    return bases.map((b) => ul.byBase.get(b) ?? 0);
  });
}
