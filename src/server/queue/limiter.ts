/** Concurrency limits for deliveries: a total cap and a cap per destination domain, FIFO. */

export class Limiter {
  private total = 0;
  private readonly perKey = new Map<string, number>();
  private readonly waiting: { key: string; go: () => void }[] = [];

  constructor(
    private maxTotal: number,
    private maxPerKey: number,
  ) {}

  /** New limits (SIGHUP); running jobs are not interrupted. */
  setLimits(maxTotal: number, maxPerKey: number): void {
    this.maxTotal = maxTotal;
    this.maxPerKey = maxPerKey;
    this.pump();
  }

  get running(): number {
    return this.total;
  }

  inFlight(key: string): number {
    return this.perKey.get(key) ?? 0;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((go) => {
      this.waiting.push({ key, go });
      this.pump();
    });
    try {
      return await fn();
    } finally {
      this.total--;
      const n = (this.perKey.get(key) ?? 1) - 1;
      if (n === 0) this.perKey.delete(key);
      else this.perKey.set(key, n);
      this.pump();
    }
  }

  /** Starts every waiter that fits, oldest first; a full domain does not block other domains. */
  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.total < this.maxTotal; ) {
      const w = this.waiting[i];
      if ((this.perKey.get(w.key) ?? 0) >= this.maxPerKey) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.total++;
      this.perKey.set(w.key, (this.perKey.get(w.key) ?? 0) + 1);
      w.go();
    }
  }
}
