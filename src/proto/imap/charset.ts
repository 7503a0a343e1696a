/**
 * Text decoding for SEARCH: charsets iconv-lite knows, plus ISO-2022-JP (which it does not),
 * converted to EUC-JP byte by byte — the escape sequences only switch between ASCII,
 * JIS X 0201 and JIS X 0208, whose codes map onto EUC-JP by setting the high bit.
 * EUC-JP is then decoded by iconv-lite, which includes the NEC row 13 extras (①, ㈱)
 * that Windows mailers put into "ISO-2022-JP".
 */
import iconv from 'iconv-lite';

function iso2022jpToEucJp(b: Buffer): Buffer {
  const out = Buffer.alloc(b.length * 2);
  let o = 0;
  let mode: 'ascii' | 'kanji' | 'kana' = 'ascii';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x1b) {
      const s = b.toString('latin1', i + 1, i + 3);
      if (s === '$B' || s === '$@') mode = 'kanji';
      else if (s === '(B' || s === '(J') mode = 'ascii';
      else if (s === '(I') mode = 'kana';
      else if (b.toString('latin1', i + 1, i + 4) === '$(D') {
        mode = 'kanji';
        i++;
      } else {
        out[o++] = c;
        continue;
      }
      i += 2;
      continue;
    }
    if (c === 0x0a || c === 0x0d) {
      // Line ends reset to ASCII in well-formed text; be lenient with broken mailers.
      mode = 'ascii';
      out[o++] = c;
    } else if (mode === 'kanji' && c >= 0x21 && c <= 0x7e && i + 1 < b.length) {
      out[o++] = c | 0x80;
      out[o++] = b[++i] | 0x80;
    } else if (mode === 'kana' && c >= 0x21 && c <= 0x5f) {
      out[o++] = 0x8e;
      out[o++] = c | 0x80;
    } else out[o++] = c;
  }
  return out.subarray(0, o);
}

/** Decodes bytes in `charset` (MIME name); unknown charsets fall back to UTF-8/latin1. */
export function decodeText(b: Buffer, charset: string): string {
  const cs = charset.trim().toLowerCase();
  if (cs === '' || cs === 'us-ascii' || cs === 'utf-8' || cs === 'utf8' || cs === 'ascii')
    return b.toString('utf8');
  if (/^iso-?2022-?jp/.test(cs) || cs === 'jis') return iconv.decode(iso2022jpToEucJp(b), 'euc-jp');
  const name = cs === 'shift_jis' || cs === 'sjis' || cs === 'x-sjis' || cs === 'windows-31j' ? 'cp932' : cs;
  if (iconv.encodingExists(name) && !/^utf-?7/.test(name)) return iconv.decode(b, name);
  return b.toString('latin1');
}
