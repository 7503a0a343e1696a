/**
 * The live audit view on a terminal (ink): every check with a ticking timer until it
 * completes, then its status and its worst finding. Drawn on stderr so stdout keeps only
 * the report.
 */
import { Box, render, Text } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { CheckResult, Status } from '../audit/result.js';
import type { RunHooks } from '../audit/run.js';

interface Row {
  name: string;
  title: string;
  result?: CheckResult;
}

interface State {
  domain: string;
  started: number;
  rows: Row[];
}

class Progress {
  state: State;
  private listeners = new Set<() => void>();
  constructor(domain: string) {
    this.state = { domain, started: Date.now(), rows: [] };
  }
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  snapshot = () => this.state;
  update(rows: Row[]) {
    this.state = { ...this.state, rows };
    for (const l of this.listeners) l();
  }
}

const colours: Record<Status, string> = { pass: 'green', warn: 'yellow', fail: 'red', info: 'blue' };
const tags: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', info: 'INFO' };
const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function AuditView({ progress }: { progress: Progress }) {
  const s = useSyncExternalStore(progress.subscribe, progress.snapshot);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(t);
  }, []);
  const done = s.rows.filter((r) => r.result).length;
  return (
    <Box flexDirection="column">
      <Text bold>
        Auditing {s.domain} — {done}/{s.rows.length} checks, {((now - s.started) / 1000).toFixed(1)} s
      </Text>
      {s.rows.map((r) => {
        if (!r.result) {
          return (
            <Text key={r.name}>
              <Text color="cyan">{frames[Math.floor(now / 100) % frames.length]} </Text>
              <Text>{r.title}</Text>
            </Text>
          );
        }
        const worst = r.result.findings.find((f) => f.status === r.result?.status) ?? r.result.findings[0];
        return (
          <Text key={r.name} wrap="truncate-end">
            <Text color={colours[r.result.status]}>{tags[r.result.status]} </Text>
            <Text>{r.title}</Text>
            <Text dimColor>
              {worst ? ` — ${worst.message}` : ''} ({r.result.ms} ms)
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}

/** Starts the view; returns the runner hooks that feed it and a function that removes it. */
export function startAuditView(
  domain: string,
  stream: NodeJS.WriteStream,
): { hooks: RunHooks; stop(): void } {
  const progress = new Progress(domain);
  const app = render(<AuditView progress={progress} />, {
    stdout: stream,
    patchConsole: false,
    exitOnCtrlC: true,
  });
  return {
    hooks: {
      onStart: (checks) => progress.update(checks.map((c) => ({ name: c.name, title: c.title }))),
      onDone: (result) =>
        progress.update(progress.state.rows.map((r) => (r.name === result.name ? { ...r, result } : r))),
    },
    stop: () => {
      app.unmount();
      app.cleanup();
    },
  };
}
