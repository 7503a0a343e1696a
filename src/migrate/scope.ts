/**
 * The journal scope pairs one source account with one target account, so one state file
 * can serve several runs: "<source label>|<source user>><target label>|<target user>".
 * Built and taken apart only here.
 */
export function journalScope(
  sourceLabel: string,
  sourceUser: string,
  targetLabel: string,
  targetUser: string,
): string {
  return `${sourceLabel}|${sourceUser}>${targetLabel}|${targetUser}`;
}

/** The target half (">label|user"), the same in every scope into that target account. */
export function scopeTarget(scope: string): string {
  return scope.slice(scope.lastIndexOf('>'));
}

/** The source half for operators: "imap://host:143 (user alice)". */
export function describeScopeSource(scope: string): string {
  const s = scope.slice(0, scope.lastIndexOf('>'));
  const bar = s.lastIndexOf('|');
  return `${s.slice(0, bar)} (user ${s.slice(bar + 1)})`;
}
