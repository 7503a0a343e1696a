/**
 * Maps a key path (["listen", "smtp"]) to the line of a TOML text where it is set, so that
 * every config problem can be reported as file:line. A light scan, not a second parser:
 * it follows [table] / [[array]] headers and `key =` lines, which is how config is written.
 */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table: string[] = [];
  const src = text.split(/\r?\n/);
  for (let i = 0; i < src.length; i++) {
    const line = src[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      table = splitKey(header[1]);
      setOnce(lines, table.join('.'), i + 1);
      continue;
    }
    const kv = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=/.exec(line);
    if (kv) setOnce(lines, [...table, ...splitKey(kv[1])].join('.'), i + 1);
  }
  return lines;
}

function setOnce(map: Map<string, number>, key: string, line: number): void {
  if (!map.has(key)) map.set(key, line);
}

function splitKey(k: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/y;
  let m: RegExpExecArray | null = re.exec(k);
  while (m !== null && m[0] !== '') {
    out.push(m[1] ?? m[2] ?? m[3]);
    m = re.exec(k);
  }
  return out;
}

/** The line of the closest enclosing key that is written in the file. */
export function lineFor(
  lines: Map<string, number>,
  path: readonly (string | number | symbol)[],
): number | undefined {
  const parts = path.map(String);
  for (let n = parts.length; n > 0; n--) {
    const l = lines.get(parts.slice(0, n).join('.'));
    if (l !== undefined) return l;
  }
  return undefined;
}
