/** One message as the folder state knows it: immutable; a flag change makes a new Entry. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageMeta } from '../store.js';
import { lettersToFlags } from './filename.js';

export interface EntryOwner {
  readonly dir: string;
  keywordNames(): readonly string[];
}

export class Entry implements MessageMeta {
  private _flags?: string[];
  private _date?: Date;
  private _size?: number;

  constructor(
    private owner: EntryOwner,
    readonly uid: number,
    /** Base name (unique id). */
    readonly id: string,
    /** Current file name in `sub`. */
    readonly file: string,
    readonly sub: 'new' | 'cur',
    readonly letters: string,
    readonly modseq: number,
    /** Size from the name's W=/S= field, if present. */
    knownSize: number | undefined,
    /** True when the file is known to have CRLF line ends (our own deliveries). */
    readonly crlf: boolean,
  ) {
    this._size = knownSize;
  }

  get path(): string {
    return join(this.owner.dir, this.sub, this.file);
  }

  get flags(): string[] {
    if (!this._flags) this._flags = lettersToFlags(this.letters, this.owner.keywordNames());
    return this._flags;
  }

  get internalDate(): Date {
    if (!this._date) {
      try {
        this._date = statSync(this.path).mtime;
      } catch {
        this._date = new Date(0);
      }
    }
    return this._date;
  }

  /** RFC822.SIZE: the size with CRLF line ends. */
  get size(): number {
    if (this._size === undefined) {
      try {
        const buf = readFileSync(this.path);
        let bare = 0;
        for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1))
          if (i === 0 || buf[i - 1] !== 13) bare++;
        this._size = buf.length + bare;
      } catch {
        this._size = 0;
      }
    }
    return this._size;
  }

  with(file: string, sub: 'new' | 'cur', letters: string, modseq: number): Entry {
    const e = new Entry(this.owner, this.uid, this.id, file, sub, letters, modseq, this._size, this.crlf);
    e._date = this._date;
    return e;
  }
}
