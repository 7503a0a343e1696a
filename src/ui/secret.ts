/** Reading passwords: from stdin (--password-stdin, for scripts) or a no-echo prompt on a TTY. */
import { MailctlError } from '../errors.js';

/** All of stdin, split into lines (trailing CR/LF removed). */
export async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
}

/** Typed-ahead characters after the line a prompt consumed (the next prompt gets them). */
let pending = '';

/** Prompts on stderr and reads one line from the terminal without echoing it. */
export async function promptSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new MailctlError('usage', 'no password given and stdin is not a terminal', {
      hint: 'pipe it in with --password-stdin, e.g. `printf "%s\\n" "$PW" | mailctl accounts add … --password-stdin`',
    });
  }
  // Raw mode before the prompt appears, so nothing typed after it is echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const feed = (s: string): boolean => {
      const chars = [...s];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i];
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          pending = chars
            .slice(i + 1)
            .join('')
            .replace(/^\n/, '');
          finish();
          return true;
        }
        if (ch === '\u0003') {
          finish(new MailctlError('usage', 'cancelled'));
          return true;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
      return false;
    };
    const onData = (s: string) => {
      feed(s);
    };
    const early = pending;
    pending = '';
    if (feed(early)) return;
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** A new password: twice on a TTY (to catch typos), or the first stdin line. */
export async function newPassword(fromStdin: boolean, stdinLine = 0): Promise<string> {
  if (fromStdin) {
    const lines = await readStdinLines();
    const pw = lines[stdinLine];
    if (pw === undefined || pw === '') {
      throw new MailctlError('usage', `--password-stdin: line ${stdinLine + 1} of stdin is empty`, {
        hint: 'write the password as the first line of stdin',
      });
    }
    return pw;
  }
  const a = await promptSecret('New password: ');
  const b = await promptSecret('Repeat it: ');
  if (a !== b) throw new MailctlError('usage', 'the two passwords differ', { hint: 'try again' });
  return a;
}
