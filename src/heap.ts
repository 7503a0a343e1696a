/**
 * Keeps a long-running command's memory flat. Message bodies live outside the JS heap
 * (buffers); what the heap sees is a stream of short-lived wrappers, strings and promises.
 * Left alone, V8 answers their survival rate by doubling the young generation up to
 * 3 × 16 MB and lets the old space grow to several times its live data between major
 * collections: on the 531 MB migrate bench corpus that was ~60 MB of RSS above ~16 MB of
 * live heap. Here the young generation may grow to `youngMaxMb` and no further (growth
 * factor 1 from then on; pinning it at its 1 MB start tripled GC time), and the old
 * space grows in `growPercent` steps. Both flags are read whenever V8 sizes its spaces,
 * so setting them at run time works (unlike --max-semi-space-size, fixed when the heap
 * is set up). Measured for migrate: peak RSS 177 → 117 MB, GC 0.2 → 0.35 s of CPU.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The flags set so far, in order, to set again after a worker thread starts. */
const applied: string[] = [];

function apply(flag: string): void {
  setFlagsFromString(flag);
  applied.push(flag);
}

/**
 * Starting a worker thread resets the V8 flags set at run time (Node 20 parses its V8
 * options again for the new isolate; seen as the main young generation growing to 32 MB
 * once the store's writer thread had started). Call this once a worker is online.
 */
export function restoreHeapFlags(): void {
  for (const f of applied) setFlagsFromString(f);
}

/**
 * The young generation's size is checked every 20 ms; the growth factor is set again
 * whenever the space is found at its cap, so a reset of the flags (a worker start) cannot
 * let it grow past it for long. A GC observer instead (a check after every collection)
 * cost `serve` ~15 % of its SMTP rate: it runs JS for each of hundreds of scavenges a second.
 */
export function keepHeapSmall(o: { youngMaxMb?: number; growPercent: number }): void {
  apply(`--heap-growing-percent=${o.growPercent}`);
  const cap = o.youngMaxMb;
  if (cap === undefined) return; // only the old-space steps (serve)
  let capped = false;
  const t = setInterval(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    // Stop one doubling early when the next one would pass the cap.
    if (!young || young.space_size * 2 <= cap << 20) return;
    if (capped) setFlagsFromString('--semi-space-growth-factor=1');
    else apply('--semi-space-growth-factor=1');
    capped = true;
  }, 20);
  t.unref();
}
