/**
 * A lean, pipelined IMAP client connection for migration's bulk paths. imapflow keeps one
 * command in flight and buffers every FETCH body through its tokenizer, which made a
 * migration one round trip (~20 ms) per message; here commands are written back to back
 * (APPENDs with LITERAL+, FETCH streams), responses are framed without copying bodies
 * more than once, and reading pauses while the consumer is behind (flat memory).
 *
 * Errors carry the same fields imapflow's do (responseStatus, serverResponseCode,
 * responseText, authenticationFailed, code), so imapError() words them for the operator.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseResponse, type Response, WireSyntaxError } from './parse.js';
import { allocBody } from './pool.js';

export type Part = string | Buffer | { literal: Buffer };

export class CommandError extends Error {
  constructor(
    readonly responseStatus: string,
    readonly responseText: string,
    readonly serverResponseCode?: string,
    readonly response?: Response,
  ) {
    super(`${responseStatus}${serverResponseCode ? ` [${serverResponseCode}]` : ''} ${responseText}`);
  }
}

interface Pending {
  tag: string;
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
  onUntagged?: (r: Response) => void;
}

const LF = 10;
const LITERAL_AT_END = /~?\{(\d+)\}$/;

export class WireConn {
  caps = new Set<string>();
  private seq = 0;
  private pending: Pending[] = [];
  private continuations: ((r: Response) => void)[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure?: Error;
  // framing state
  private line: Buffer[] = [];
  private segs: string[] = [];
  private lits: Buffer[] = [];
  private lit?: Buffer;
  private litFill = 0;
  /** Untagged responses no command claimed (greeting, BYE …). */
  onUnsolicited?: (r: Response) => void;
  /** Takes "+" continuations while set (SASL exchanges) instead of the literal queue. */
  onContinuation?: (r: Response) => void;

  constructor(
    public socket: Socket | TLSSocket,
    private readonly idleMs: number,
    reads: 'data' | 'onread' = 'data',
  ) {
    this.attach(socket, reads);
  }

  /**
   * @param reads 'data' for a socket that emits data events; 'onread' for a plain socket
   *   made with net's `onread` option, whose callback calls receive() with a reused buffer.
   */
  attach(s: Socket | TLSSocket, reads: 'data' | 'onread' = 'data'): void {
    this.socket = s;
    if (reads === 'data') s.on('data', (chunk: Buffer) => this.receive(chunk));
    s.on('error', (e) => this.fail(e));
    s.on('close', () =>
      this.fail(Object.assign(new Error('connection closed by the server'), { code: 'ECONNRESET' })),
    );
    s.setTimeout(this.idleMs, () =>
      this.fail(Object.assign(new Error(`no answer within ${this.idleMs / 1000} s`), { code: 'ETIMEDOUT' })),
    );
  }

  /** Stops listening to the current socket (before a STARTTLS upgrade). */
  detach(): void {
    const s = this.socket;
    for (const ev of ['data', 'error', 'close', 'timeout']) s.removeAllListeners(ev);
    s.setTimeout(0);
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  fail(e: Error, destroy = true): void {
    if (this.failure) return;
    this.failure = e;
    if (destroy) this.socket.destroy();
    for (const p of this.pending.splice(0)) p.reject(e);
    for (const c of this.continuations.splice(0)) c({ tag: '+', kind: '+', text: '', items: [] });
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /**
   * Takes bytes read from the socket. The chunk may be a buffer the socket reuses for its
   * next read, so nothing here keeps a reference to it past this call.
   */
  receive(chunk: Buffer): void {
    try {
      this.feed(chunk);
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private feed(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.lit) {
        const n = Math.min(this.lit.length - this.litFill, chunk.length - pos);
        chunk.copy(this.lit, this.litFill, pos, pos + n);
        this.litFill += n;
        pos += n;
        if (this.litFill === this.lit.length) {
          this.lits.push(this.lit);
          this.lit = undefined;
        }
        continue;
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        this.line.push(Buffer.from(chunk.subarray(pos)));
        if (this.line.reduce((a, b) => a + b.length, 0) > 1 << 20)
          throw new WireSyntaxError('response line over 1 MB');
        return;
      }
      this.line.push(chunk.subarray(pos, nl));
      pos = nl + 1;
      let text = Buffer.concat(this.line).toString('latin1');
      this.line = [];
      if (text.endsWith('\r')) text = text.slice(0, -1);
      this.segs.push(text);
      const m = LITERAL_AT_END.exec(text);
      if (m) {
        this.lit = allocBody(Number(m[1]));
        this.litFill = 0;
        if (this.lit.length === 0) {
          this.lits.push(this.lit);
          this.lit = undefined;
        }
        continue;
      }
      const r = parseResponse(this.segs, this.lits);
      this.segs = [];
      this.lits = [];
      this.dispatch(r);
    }
  }

  private dispatch(r: Response): void {
    if (r.tag === '+') {
      if (this.onContinuation) this.onContinuation(r);
      else this.continuations.shift()?.(r);
      return;
    }
    if (r.tag === '*') {
      if (r.kind === 'CAPABILITY') this.caps = new Set(r.items.map((i) => String(i).toUpperCase()));
      if ((r.kind === 'OK' || r.kind === 'PREAUTH') && r.code?.[0] === 'CAPABILITY')
        this.caps = new Set(r.code.slice(1).map((c) => c.toUpperCase()));
      // pipelined commands may share one handler: each distinct handler sees a response once
      const handlers = new Set<(r: Response) => void>();
      for (const p of this.pending) if (p.onUntagged) handlers.add(p.onUntagged);
      for (const h of handlers) h(r);
      const claimed = handlers.size > 0;
      if (!claimed) this.onUnsolicited?.(r);
      if (r.kind === 'BYE' && !this.pending.length)
        this.fail(Object.assign(new Error(`server closed: ${r.text}`), { code: 'ECONNRESET' }));
      return;
    }
    const i = this.pending.findIndex((p) => p.tag === r.tag);
    if (i < 0) return;
    const [p] = this.pending.splice(i, 1);
    if (r.code?.[0] === 'CAPABILITY') this.caps = new Set(r.code.slice(1).map((c) => c.toUpperCase()));
    if (r.kind === 'OK') p.resolve(r);
    else p.reject(new CommandError(r.kind, r.text ?? '', r.code?.[0], r));
  }

  /** Waits for the next "+" continuation (AUTHENTICATE, synchronising literals). */
  continuation(): Promise<Response> {
    return new Promise((res) => this.continuations.push(res));
  }

  /**
   * Sends a command now, after any earlier ones (pipelined); resolves on its tagged OK.
   * Literals go as LITERAL+ when the server has it, else wait for the server's "+".
   */
  command(parts: readonly Part[], onUntagged?: (r: Response) => void): Promise<Response> {
    if (this.failure) return Promise.reject(this.failure);
    const tag = `m${++this.seq}`;
    const done = new Promise<Response>((resolve, reject) => {
      this.pending.push({ tag, resolve, reject, onUntagged });
    });
    this.writing = this.writing.then(() => this.write(tag, parts)).catch((e: Error) => this.fail(e));
    // a pipelined command may fail while its caller awaits another: never an unhandled rejection
    done.catch(() => undefined);
    return done;
  }

  private async write(tag: string, parts: readonly Part[]): Promise<void> {
    if (this.failure) return;
    const plus = this.caps.has('LITERAL+');
    let text = `${tag} `;
    for (const p of parts) {
      if (typeof p === 'string') text += p;
      else if (Buffer.isBuffer(p)) {
        await this.put(Buffer.from(text, 'latin1'));
        text = '';
        await this.put(p);
      } else if (plus || (this.caps.has('LITERAL-') && p.literal.length <= 4096)) {
        await this.put(Buffer.from(`${text}{${p.literal.length}+}\r\n`, 'latin1'));
        text = '';
        await this.put(p.literal);
      } else {
        const cont = this.continuation();
        await this.put(Buffer.from(`${text}{${p.literal.length}}\r\n`, 'latin1'));
        text = '';
        const r = await cont;
        if (this.failure) return;
        void r;
        await this.put(p.literal);
      }
    }
    await this.put(Buffer.from(`${text}\r\n`, 'latin1'));
  }

  /** Raw bytes (AUTHENTICATE responses). */
  async raw(line: string): Promise<void> {
    this.writing = this.writing.then(() => this.put(Buffer.from(`${line}\r\n`, 'latin1')));
    await this.writing;
  }

  private put(b: Buffer): Promise<void> {
    if (this.failure) return Promise.resolve();
    if (this.socket.write(b)) return Promise.resolve();
    return new Promise((res) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        res();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Commands sent but not answered yet. */
  get inFlight(): number {
    return this.pending.length;
  }

  /**
   * Sends LOGOUT and half-closes without waiting for the answer: callers log out once every
   * command was answered, and on a loaded server the reply costs a scheduling round trip
   * (tens of ms at the end of each user's run, most of a no-change re-run's tail).
   */
  async logout(): Promise<void> {
    if (this.failure) return;
    this.command(['LOGOUT']).catch(() => undefined);
    await this.writing;
    if (this.failure) return;
    const s = this.socket;
    this.fail(Object.assign(new Error('logged out'), { code: 'ECONNRESET' }), false);
    s.end();
    s.unref();
  }

  close(): void {
    this.fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
  }
}
