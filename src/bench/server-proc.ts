/**
 * The server's CPU time and memory when it runs on this machine: find the process that
 * listens on the target port (/proc/net/tcp{,6} gives the socket inode, /proc/PID/fd links
 * name it), then read /proc/PID/stat and /proc/PID/status for it and its children
 * (Dovecot and Postfix fork per connection).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** USER_HZ: Linux reports CPU times in 1/100 s on every architecture Node supports. */
const CLK_TCK = 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Inodes of sockets listening on `port` (any local address). */
export function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = read(file);
    if (!text) continue;
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const localPort = Number.parseInt(f[1].split(':')[1] ?? '', 16);
      if (localPort === port) inodes.add(f[9]);
    }
  }
  return inodes;
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The pid that owns a socket listening on `port`, or undefined (not local, or not visible to us). */
export function findListeningPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const want = new Set([...inodes].map((i) => `socket:[${i}]`));
  const owners: number[] = [];
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (want.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) {
          owners.push(pid);
          break;
        }
      } catch {
        // fd closed while we looked
      }
    }
  }
  // Forked servers share the listening socket with children: the topmost owner is the server.
  const set = new Set(owners);
  return owners.find((p) => !set.has(parentOf(p) ?? -1));
}

interface Stat {
  ppid: number;
  /** utime + stime in ms. */
  cpuMs: number;
  /** cutime + cstime (reaped children) in ms. */
  childCpuMs: number;
}

function stat(pid: number): Stat | undefined {
  const s = read(`/proc/${pid}/stat`);
  if (!s) return undefined;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const tick = (i: number) => (Number(f[i]) * 1000) / CLK_TCK;
  return { ppid: Number(f[1]), cpuMs: tick(11) + tick(12), childCpuMs: tick(13) + tick(14) };
}

function parentOf(pid: number): number | undefined {
  return stat(pid)?.ppid;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) * 1024 : 0;
}

/** The process and its live descendants. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of pids()) {
    const st = stat(pid);
    if (!st) continue;
    let c = children.get(st.ppid);
    if (!c) children.set(st.ppid, (c = []));
    c.push(pid);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

export interface ProcSample {
  at: number;
  cpuMs: number;
  rss: number;
  processes: number;
}

/** CPU (live tree + reaped children of the root) and RSS (live tree) of a server now. */
export function sample(root: number): ProcSample | undefined {
  const r = stat(root);
  if (!r) return undefined;
  let cpu = r.cpuMs + r.childCpuMs;
  let rss = rssBytes(root);
  const all = tree(root);
  for (const p of all) {
    if (p === root) continue;
    const s = stat(p);
    if (s) cpu += s.cpuMs;
    rss += rssBytes(p);
  }
  return { at: performance.now(), cpuMs: cpu, rss, processes: all.length };
}

/** Samples RSS every `everyMs` to catch the peak; stop() returns first/last/peak. */
export function watch(root: number, everyMs = 200) {
  const first = sample(root);
  let peakRss = first?.rss ?? 0;
  const samples: { at: number; rss: number }[] = [];
  const timer = setInterval(() => {
    const s = sample(root);
    if (!s) return;
    samples.push({ at: s.at, rss: s.rss });
    if (s.rss > peakRss) peakRss = s.rss;
  }, everyMs);
  timer.unref();
  return {
    first,
    /** RSS samples so far (every `everyMs`). */
    samples,
    stop() {
      clearInterval(timer);
      const last = sample(root);
      if (last && last.rss > peakRss) peakRss = last.rss;
      return { first, last, peakRss };
    },
  };
}
