/** Operator output: human tables by default, JSON for scripts, colour only on a TTY. */
import { stripVTControlCharacters } from 'node:util';

export interface Output {
  /** Results: stdout. */
  out(text: string): void;
  /** Progress and notes: stderr. */
  err(text: string): void;
  json(value: unknown): void;
  readonly color: boolean;
}

export function stdio(): Output {
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    json: (v) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`),
    color,
  };
}

/**
 * True when running under CI, by the same rule ink uses (CI or CONTINUOUS_INTEGRATION set,
 * or any CI_* variable, unless CI is "0"/"false"): ink then draws only its last frame, so
 * a live view would show nothing until the end — plain progress lines serve CI better.
 */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CI === '0' || env.CI === 'false') return false;
  return 'CI' in env || 'CONTINUOUS_INTEGRATION' in env || Object.keys(env).some((k) => k.startsWith('CI_'));
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
export type Style = keyof typeof codes;

export function paint(o: Pick<Output, 'color'>, style: Style, text: string): string {
  return o.color ? `\x1b[${codes[style]}m${text}\x1b[0m` : text;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined | null;
  align?: 'left' | 'right';
}

/** A plain text table; widths from the visible characters (colour codes and wide CJK handled). */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => String(c.value(r) ?? '')));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((row) => width(row[i]))));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => {
        const pad = ' '.repeat(widths[i] - width(v));
        return columns[i].align === 'right' ? pad + v : i === vals.length - 1 ? v : v + pad;
      })
      .join('  ');
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

/** Terminal columns taken by a string: East Asian wide characters count two. */
export function width(s: string): number {
  let w = 0;
  for (const ch of stripVTControlCharacters(s)) {
    const cp = ch.codePointAt(0) ?? 0;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
