/** The in-process ChangeBus: listeners per user; a throwing listener never breaks delivery. */
import type { ChangeBus, StoreEvent } from './store.js';

export class LocalChangeBus implements ChangeBus {
  private listeners = new Map<string, Set<(e: StoreEvent) => void>>();

  subscribe(user: string, listener: (e: StoreEvent) => void): () => void {
    let set = this.listeners.get(user);
    if (!set) {
      set = new Set();
      this.listeners.set(user, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(user);
    };
  }

  publish(e: StoreEvent): void {
    const user = e.type === 'folders' ? e.user : e.ref.user;
    const set = this.listeners.get(user);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(e);
      } catch {
        // A broken session must not fail a delivery.
      }
    }
  }
}
