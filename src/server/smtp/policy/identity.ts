/** Which addresses an authenticated account may send as: its own, its aliases, and grants from config. */
import type { PolicyContext } from './context.js';

export async function sendableBy(ctx: PolicyContext): Promise<Set<string>> {
  const user = ctx.session.user;
  if (!user) return new Set();
  const own = await ctx.daemon.directory.sendableAddresses(user.address);
  const grants = ctx.daemon.config.smtp.sender_grants[user.address] ?? [];
  return new Set([user.address, ...own, ...grants].map((a) => a.toLowerCase()));
}

/** Addresses in a From header value (bare or in <…>), lower-cased. */
export function headerAddresses(value: string): string[] {
  const out: string[] = [];
  // Drop quoted display names and comments, which may themselves contain "@".
  const cleaned = value.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/\((?:[^()\\]|\\.)*\)/g, '');
  for (const part of cleaned.split(',')) {
    const angle = /<([^<>]*)>/.exec(part);
    const addr = (angle ? angle[1] : part).trim();
    if (addr) out.push(addr.toLowerCase());
  }
  return out;
}

/** The unfolded value of the first header with this name in a raw header block. */
export function headerValue(head: string, name: string): string | undefined {
  const re = new RegExp(`^${name}:([^\\r\\n]*(?:\\r?\\n[ \\t][^\\r\\n]*)*)`, 'im');
  const m = re.exec(head);
  return m ? m[1].replace(/\r?\n[ \t]/g, ' ').trim() : undefined;
}
