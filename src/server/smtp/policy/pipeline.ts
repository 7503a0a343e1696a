/**
 * Runs the checks of one stage in order, each under its own timeout, and hands the trail
 * to decide(). A check that throws or overruns makes the stage fail closed (451 4.3.0) —
 * never open — and emits a "policy-error" event.
 */
import { readdir } from 'node:fs/promises';
import type { Config } from '../../../config/load.js';
import { Replies } from '../../../proto/smtp-reply.js';
import type { Check } from './check.js';
import type { PolicyContext, SmtpListener } from './context.js';
import { type Decision, decide } from './decide.js';
import { defer, type Stage, type Verdict } from './verdict.js';

export const DEFAULT_CHECK_TIMEOUT = 10_000;

class CheckTimeout extends Error {}

interface Watch {
  deadline: number;
  fail: (e: Error) => void;
}

/**
 * Deadlines of the checks in flight, enforced by one coarse watchdog timer (every 50 ms)
 * instead of a timer per check: arming and clearing a timer cost more than most checks,
 * and limits are seconds long. The timer runs only while a check is in flight.
 */
const inflight = new Set<Watch>();
let watchdog: NodeJS.Timeout | undefined;
const WATCH_MS = 50;

function watch(w: Watch): void {
  inflight.add(w);
  if (watchdog) return;
  watchdog = setInterval(() => {
    const now = Date.now();
    for (const x of inflight) {
      if (now < x.deadline) continue;
      inflight.delete(x);
      x.fail(new CheckTimeout());
    }
    if (inflight.size === 0) {
      clearInterval(watchdog);
      watchdog = undefined;
    }
  }, WATCH_MS);
}

/** A synchronous check has finished already; an asynchronous one races its deadline. */
function runOne(check: Check, ctx: PolicyContext): Verdict | Promise<Verdict> {
  const r = check.run(ctx);
  if (!(r instanceof Promise)) return r;
  const ms = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT;
  return new Promise<Verdict>((resolve, reject) => {
    const w: Watch = {
      deadline: Date.now() + ms,
      fail: (e) => reject(Object.assign(e, { message: `${check.name} took longer than ${ms} ms` })),
    };
    watch(w);
    r.then(
      (v) => {
        inflight.delete(w);
        resolve(v);
      },
      (e: unknown) => {
        inflight.delete(w);
        reject(e);
      },
    );
  });
}

export class Pipeline {
  private readonly byStage: Map<Stage, Check[]>;

  constructor(
    checks: readonly Check[],
    private readonly listener: SmtpListener,
    config: Config,
  ) {
    this.byStage = new Map();
    const active = checks
      .filter((c) => c.enabled?.(config, listener) ?? true)
      .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
    for (const c of active) {
      const list = this.byStage.get(c.stage) ?? [];
      list.push(c);
      this.byStage.set(c.stage, list);
    }
  }

  names(stage: Stage): string[] {
    return (this.byStage.get(stage) ?? []).map((c) => c.name);
  }

  async run(stage: Stage, ctx: PolicyContext): Promise<Decision> {
    const trail: Verdict[] = [];
    for (const check of this.byStage.get(stage) ?? []) {
      let v: Verdict;
      try {
        v = { ...(await runOne(check, ctx)), check: check.name };
      } catch (e) {
        const what = e instanceof CheckTimeout ? 'check-timeout' : 'check-error';
        ctx.daemon.events.emit('policy-error', {
          check: check.name,
          stage,
          listener: this.listener,
          session: ctx.session.id,
          error: (e as Error).message,
        });
        ctx.daemon.log.error(
          { session: ctx.session.id, check: check.name, stage, err: (e as Error).message },
          'policy check failed; answering 451 (fail closed)',
        );
        v = { ...defer(what, Replies.localError), check: check.name };
      }
      trail.push(v);
      if (v.action === 'reject' || v.action === 'defer') break;
    }
    const d = decide(stage, trail);
    ctx.daemon.events.emit('policy', {
      stage,
      listener: this.listener,
      outcome: d.outcome,
      reason: d.reason,
    });
    return d;
  }
}

/**
 * Every check in ./checks, found by listing the directory, so adding a check is adding
 * one file. Works from the TypeScript sources (tests) and from dist/ (the built binary).
 */
export async function loadChecks(): Promise<Check[]> {
  const dir = new URL('./checks/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
  const checks: Check[] = [];
  for (const f of files) {
    const mod = (await import(new URL(f, dir).href)) as { check?: Check };
    if (mod.check) checks.push(mod.check);
  }
  return checks;
}
