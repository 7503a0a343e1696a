/**
 * mailauth's DKIM message parser walks every byte of every message in JavaScript to turn
 * bare LF into CRLF (MessageParser.prototype.ensureLinebreaks) — the largest single cost of
 * inbound sender verification here (~40 µs per 10 KB message). This replaces it, once per
 * process, with the same generator built on the native Buffer.indexOf. Same output,
 * chunk for chunk, including the library's quirk that a run of LFs after one CR counts as
 * already terminated ("\r\n\n" stays as it is): test/unit/smtp-mailauth-patch.test.ts
 * compares the two on random inputs.
 */
import { createRequire } from 'node:module';

interface Parser {
  lastByte?: number;
  ensureLinebreaks(input: Buffer): Generator<Buffer>;
}

const require = createRequire(import.meta.url);
const CRLF = Buffer.from('\r\n');
let installed = false;

/** The replacement, exported for the equivalence test. */
export function* ensureLinebreaks(this: { lastByte?: number }, input: Buffer): Generator<Buffer> {
  let pos = 0;
  let i = input.indexOf(0x0a);
  while (i >= 0) {
    // The last byte before this LF that is not itself an LF (the original tracks exactly that).
    let j = i - 1;
    while (j >= 0 && input[j] === 0x0a) j--;
    const prev = j >= 0 ? input[j] : this.lastByte;
    if (prev !== 0x0d) {
      yield i === 0 || pos === i ? Buffer.from(CRLF) : Buffer.concat([input.subarray(pos, i), CRLF]);
      pos = i + 1;
    }
    i = input.indexOf(0x0a, i + 1);
  }
  for (let k = input.length - 1; k >= 0; k--) {
    if (input[k] !== 0x0a) {
      this.lastByte = input[k];
      break;
    }
  }
  if (pos === 0) yield input;
  else if (pos < input.length) yield input.subarray(pos);
}

export function installMailauthPatch(): void {
  if (installed) return;
  installed = true;
  const mod = require('mailauth/lib/dkim/message-parser.js') as {
    MessageParser?: { prototype: Parser };
  };
  // A mailauth release without this class keeps its own (slower, equivalent) code.
  if (typeof mod.MessageParser?.prototype.ensureLinebreaks !== 'function') return;
  mod.MessageParser.prototype.ensureLinebreaks = ensureLinebreaks;
}

/** The library's own implementation, for the equivalence test. */
export function originalEnsureLinebreaks(): ((this: Parser, input: Buffer) => Generator<Buffer>) | undefined {
  const mod = require('mailauth/lib/dkim/message-parser.js') as { MessageParser?: { prototype: Parser } };
  return installed ? undefined : mod.MessageParser?.prototype.ensureLinebreaks;
}
