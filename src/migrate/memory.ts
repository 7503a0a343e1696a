/**
 * Keeps a migration's memory flat. Message bodies live outside the JS heap (pooled
 * buffers); what the heap sees is a stream of short-lived wrappers, strings and promises.
 * Left alone, V8 answers their survival rate by doubling the young generation up to
 * 3 × 16 MB and lets the old space grow to several times its live data between major
 * collections: on the 531 MB bench corpus that was ~60 MB of RSS above ~16 MB of live
 * heap. Here the young generation may grow to YOUNG_MAX and no further (growth factor 1
 * from then on; pinning it at its 1 MB start tripled GC time), and the old space grows
 * in 30 % steps. Measured on that corpus: peak RSS 177 → 117 MB, GC 0.2 → 0.35 s of CPU. Both flags are read whenever V8 sizes its spaces, so setting them at run
 * time works (unlike --max-semi-space-size, fixed when the heap is set up).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const YOUNG_MAX = 8 << 20;

export function keepHeapSmall(): void {
  setFlagsFromString('--heap-growing-percent=30');
  const t = setInterval(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (young && young.space_size < YOUNG_MAX) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    clearInterval(t);
  }, 20);
  t.unref();
}
