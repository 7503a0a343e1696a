/**
 * A minimal IMAP client for benchmarks: it only needs to find the tagged reply in a
 * stream of up to 100+ MB, so it scans chunk boundaries for "\r\n<tag> " instead of
 * parsing literals (tags are random enough not to occur in message bodies).
 */
import { connect, type Socket } from 'node:net';

let counter = 0;

export class BenchClient {
  private onChunk?: (b: Buffer) => void;
  private constructor(private sock: Socket) {
    sock.on('data', (b: Buffer) => this.onChunk?.(b));
    sock.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<BenchClient> {
    const sock = connect({ port, host });
    const c = new BenchClient(sock);
    await new Promise<void>((resolve, reject) => {
      let got = '';
      c.onChunk = (b) => {
        got += b.toString('latin1');
        if (got.includes('\r\n')) resolve();
      };
      sock.once('error', reject);
    });
    return c;
  }

  /** Sends a command; resolves when its tagged reply has arrived. */
  run(command: string, keepText = false): Promise<{ ms: number; bytes: number; text: string; ok: boolean }> {
    const tag = `Q${(++counter).toString(36)}z${Math.random().toString(36).slice(2, 7)}`;
    const marker = Buffer.from(`\r\n${tag} `);
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    let tail = Buffer.alloc(0);
    const kept: Buffer[] = [];
    return new Promise((resolve, reject) => {
      const onClose = () => reject(new Error(`connection closed during ${command.slice(0, 40)}`));
      this.sock.once('close', onClose);
      this.onChunk = (b) => {
        bytes += b.length;
        if (keepText) kept.push(b);
        const window = Buffer.concat([tail, b]);
        const at = window.indexOf(marker);
        if (at >= 0 && window.indexOf(10, at + marker.length) >= 0) {
          const line = window.toString('latin1', at + 2, window.indexOf(10, at + marker.length));
          this.onChunk = undefined;
          this.sock.off('close', onClose);
          resolve({
            ms: Number(process.hrtime.bigint() - t0) / 1e6,
            bytes,
            text: keepText ? Buffer.concat(kept).toString('latin1') : line,
            ok: line.startsWith(`${tag} OK`),
          });
          return;
        }
        tail = window.subarray(Math.max(0, window.length - 256));
      };
      // A leading CRLF lets the marker match even when the reply is the first line.
      tail = Buffer.from('\r\n');
      this.sock.write(`${tag} ${command}\r\n`);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
