/** Latency samples per operation and their percentiles; error counts by reason. */

export interface OpStats {
  op: string;
  count: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class Recorder {
  private samples = new Map<string, number[]>();
  private errs = new Map<string, number>();
  private opErrors = new Map<string, number>();

  /** Times `fn` as operation `op`; a throw counts as an error of that op and is re-thrown. */
  async time<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      const v = await fn();
      this.add(op, performance.now() - t);
      return v;
    } catch (e) {
      this.opErrors.set(op, (this.opErrors.get(op) ?? 0) + 1);
      throw e;
    }
  }

  add(op: string, ms: number): void {
    let s = this.samples.get(op);
    if (!s) this.samples.set(op, (s = []));
    s.push(ms);
  }

  error(reason: string, op?: string): void {
    this.errs.set(reason, (this.errs.get(reason) ?? 0) + 1);
    if (op) this.opErrors.set(op, (this.opErrors.get(op) ?? 0) + 1);
  }

  get errorsByReason(): Record<string, number> {
    return Object.fromEntries(this.errs);
  }

  get errorCount(): number {
    let n = 0;
    for (const v of this.errs.values()) n += v;
    return n;
  }

  ops(): OpStats[] {
    const names = new Set([...this.samples.keys(), ...this.opErrors.keys()]);
    return [...names].map((op) => summarize(op, this.samples.get(op) ?? [], this.opErrors.get(op) ?? 0));
  }
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(op: string, samples: readonly number[], errors: number): OpStats {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return {
    op,
    count: s.length,
    errors,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1] : 0,
    mean,
  };
}
