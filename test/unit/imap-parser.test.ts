import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDateTime,
  formatSet,
  inSet,
  parseDateTime,
  parseFlags,
  parseSequenceSet,
  resolveSet,
} from '../../src/proto/imap/args.js';
import { parseFetchAtts } from '../../src/proto/imap/fetch-atts.js';
import { CommandFramer, type FrameEvent } from '../../src/proto/imap/framer.js';
import { parseSearch } from '../../src/proto/imap/search.js';
import { ImapParseError, parseCommand, type Token } from '../../src/proto/imap/tokens.js';

const b = (s: string) => Buffer.from(s, 'latin1');

function frame(chunks: string[], limits = { maxLine: 100, maxLiteral: 50 }): FrameEvent[] {
  const f = new CommandFramer(limits);
  return chunks.flatMap((c) => f.push(b(c)));
}

function show(t: Token): unknown {
  if (t.type === 'atom') return t.value;
  if (t.type === 'string') return { s: t.value.toString('latin1'), lit: t.literal };
  return t.items.map(show);
}

describe('imap framer', () => {
  const cases: [string, string[], unknown[]][] = [
    ['one line', ['a NOOP\r\n'], [{ type: 'command', data: 'a NOOP' }]],
    ['bare LF', ['a NOOP\n'], [{ type: 'command', data: 'a NOOP' }]],
    [
      'split across chunks',
      ['a NO', 'OP\r', '\nb X\r\n'],
      [
        { type: 'command', data: 'a NOOP' },
        { type: 'command', data: 'b X' },
      ],
    ],
    [
      'sync literal asks for +',
      ['a LOGIN {5}\r\n', 'alice {3}\r\n', 'pw!\r\n'],
      [
        { type: 'continue', size: 5 },
        { type: 'continue', size: 3 },
        { type: 'command', data: 'a LOGIN {5}\r\nalice {3}\r\npw!' },
      ],
    ],
    [
      'LITERAL+ needs no +',
      ['a LOGIN {5+}\r\nalice x\r\n'],
      [{ type: 'command', data: 'a LOGIN {5+}\r\nalice x' }],
    ],
    [
      'literal with CRLF inside',
      ['a APPEND x {4+}\r\n\r\n\r\n\r\n'],
      [{ type: 'command', data: 'a APPEND x {4+}\r\n\r\n\r\n' }],
    ],
    [
      'too large sync literal is refused unread',
      ['a APPEND x {51}\r\n', 'b NOOP\r\n'],
      [
        { type: 'error', reason: 'literal-too-large', tag: 'a', fatal: false },
        { type: 'command', data: 'b NOOP' },
      ],
    ],
    [
      'too large LITERAL+ is fatal',
      ['a APPEND x {51+}\r\nxxxx'],
      [{ type: 'error', reason: 'literal-too-large', tag: 'a', fatal: true }],
    ],
    [
      'overlong line',
      [`a ${'x'.repeat(200)}\r\nb NOOP\r\n`],
      [
        { type: 'error', reason: 'line-too-long', tag: 'a', fatal: false },
        { type: 'command', data: 'b NOOP' },
      ],
    ],
    [
      'overlong line without LF yet',
      [`a ${'x'.repeat(120)}`, 'y'.repeat(300), '\r\nb NOOP\r\n'],
      [
        { type: 'error', reason: 'line-too-long', tag: 'a', fatal: false },
        { type: 'command', data: 'b NOOP' },
      ],
    ],
    [
      'huge literal number',
      ['a X {99999999999999999999}\r\n'],
      [{ type: 'error', reason: 'literal-too-large', tag: 'a', fatal: false }],
    ],
  ];
  for (const [name, chunks, want] of cases) {
    it(name, () => {
      const got = frame(chunks).map((e) =>
        e.type === 'command' ? { type: 'command', data: e.data.toString('latin1') } : e,
      );
      assert.deepEqual(got, want);
    });
  }
});

describe('imap tokenizer', () => {
  const ok: [string, string, string, boolean, unknown[]][] = [
    ['a1 NOOP', 'a1', 'NOOP', false, []],
    ['a1 login alice "pa ss\\"w"', 'a1', 'LOGIN', false, ['alice', { s: 'pa ss"w', lit: false }]],
    ['t UID fetch 1:* (FLAGS UID)', 't', 'FETCH', true, ['1:*', ['FLAGS', 'UID']]],
    [
      't FETCH 1 (BODY.PEEK[HEADER.FIELDS (From "To")]<0.10> BODY[1.2.MIME])',
      't',
      'FETCH',
      false,
      ['1', ['BODY.PEEK[HEADER.FIELDS (From "To")]<0.10>', 'BODY[1.2.MIME]']],
    ],
    [
      'a APPEND INBOX (\\Seen) {3}\r\nabc',
      'a',
      'APPEND',
      false,
      ['INBOX', ['\\Seen'], { s: 'abc', lit: true }],
    ],
    ['a LIST "" %', 'a', 'LIST', false, [{ s: '', lit: false }, '%']],
    ['a SEARCH ((OR SEEN DRAFT))', 'a', 'SEARCH', false, [[['OR', 'SEEN', 'DRAFT']]]],
    ['a STATUS "x" ()', 'a', 'STATUS', false, [{ s: 'x', lit: false }, []]],
  ];
  for (const [line, tag, name, uid, args] of ok) {
    it(`parses ${JSON.stringify(line)}`, () => {
      const c = parseCommand(b(line));
      assert.deepEqual([c.tag, c.name, c.uid, c.args.map(show)], [tag, name, uid, args]);
    });
  }
  const bad: [string, string][] = [
    ['', '*'],
    ['NOOP', 'NOOP'],
    ['+ NOOP', '*'],
    ['a', 'a'],
    ['a LOGIN "unterminated', 'a'],
    ['a LOGIN "bad\\escape"', 'a'],
    ['a X (unclosed', 'a'],
    ['a X  double-space', 'a'],
    ['a X trailing ', 'a'],
    ['a X {5}\r\nabc', 'a'],
    ['a X {3}abc', 'a'],
    [`a X ${'('.repeat(40)}${')'.repeat(40)}`, 'a'],
    ['a FETCH 1 BODY[unclosed', 'a'],
    ['a X "nul\0"', 'a'],
    ['a\x01 NOOP', '*'],
  ];
  for (const [line, tag] of bad) {
    it(`rejects ${JSON.stringify(line)}`, () => {
      assert.throws(
        () => parseCommand(b(line)),
        (e: unknown) => e instanceof ImapParseError && e.tag === tag,
      );
    });
  }
});

describe('imap sequence sets, flags, dates', () => {
  it('parses and resolves sets', () => {
    assert.deepEqual(parseSequenceSet('1,3:5,7:*'), [
      [1, 1],
      [3, 5],
      [7, Number.POSITIVE_INFINITY],
    ]);
    assert.deepEqual(resolveSet(parseSequenceSet('5:*'), 3), [[3, 5]]);
    assert.equal(inSet(4, resolveSet(parseSequenceSet('1,3:5'), 9)), true);
    assert.equal(inSet(2, resolveSet(parseSequenceSet('1,3:5'), 9)), false);
    assert.equal(formatSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
  });
  for (const bad of ['0', '1:', ':2', 'a', '1,,2', '1:2:3', '4294967296', '']) {
    it(`rejects set ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseSequenceSet(bad), ImapParseError));
  }
  it('canonicalises flags', () => {
    const t = (v: string) => ({ type: 'atom' as const, value: v });
    assert.deepEqual(parseFlags([t('\\seen'), t('$Label1'), t('\\SEEN')]), ['\\Seen', '$Label1']);
    assert.throws(() => parseFlags([t('\\Bogus')]), ImapParseError);
    assert.throws(() => parseFlags([t('\\Recent')]), ImapParseError);
  });
  it('parses and formats date-time', () => {
    const d = parseDateTime(' 7-Feb-1994 21:52:25 -0800');
    assert.equal(d.toISOString(), '1994-02-08T05:52:25.000Z');
    assert.equal(formatDateTime(d), '08-Feb-1994 05:52:25 +0000');
    assert.throws(() => parseDateTime('7-Foo-1994 21:52:25 -0800'), ImapParseError);
    assert.throws(() => parseDateTime('32-Feb-1994 21:52:25 -0800'), ImapParseError);
  });
});

describe('imap fetch attributes', () => {
  const atom = (v: string): Token => ({ type: 'atom', value: v });
  it('expands macros', () => {
    assert.deepEqual(
      parseFetchAtts(atom('fast')).map((a) => (a.kind === 'simple' ? a.name : a.label)),
      ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
    );
  });
  const cases: [string, unknown][] = [
    ['BODY[]', { peek: false, section: { part: [] }, label: 'BODY[]' }],
    [
      'body.peek[]<0.100>',
      { peek: true, section: { part: [] }, partial: { start: 0, length: 100 }, label: 'BODY[]<0>' },
    ],
    ['BODY[1.2.MIME]', { peek: false, section: { part: [1, 2], text: 'MIME' }, label: 'BODY[1.2.MIME]' }],
    [
      'BODY.PEEK[header.fields (from "Subject")]',
      {
        peek: true,
        section: { part: [], text: 'HEADER.FIELDS', fields: ['FROM', 'SUBJECT'] },
        label: 'BODY[HEADER.FIELDS (FROM SUBJECT)]',
      },
    ],
    [
      'BODY[2.HEADER.FIELDS.NOT (X)]',
      {
        peek: false,
        section: { part: [2], text: 'HEADER.FIELDS.NOT', fields: ['X'] },
        label: 'BODY[2.HEADER.FIELDS.NOT (X)]',
      },
    ],
    ['BODY[3.TEXT]', { peek: false, section: { part: [3], text: 'TEXT' }, label: 'BODY[3.TEXT]' }],
  ];
  for (const [raw, want] of cases) {
    it(`parses ${raw}`, () => {
      const [a] = parseFetchAtts(atom(raw));
      assert.equal(a.kind, 'section');
      const { kind: _k, ...rest } = a as { kind: string };
      assert.deepEqual(rest, want);
    });
  }
  for (const bad of [
    'BODY[MIME]',
    'BODY[0]',
    'BODY[HEADER.FIELDS]',
    'BODY[TEXT (X)]',
    'BODY[]<1.0>',
    'BOGUS',
    'BODY[1.FOO]',
    'BODY[HEADER.FIELDS ()]',
  ]) {
    it(`rejects ${bad}`, () => assert.throws(() => parseFetchAtts(atom(bad)), ImapParseError));
  }
});

describe('imap search keys', () => {
  const parse = (line: string) => parseSearch(parseCommand(b(`a SEARCH ${line}`)).args);
  it('parses a nested query', () => {
    const { key } = parse('OR FROM alice (UNSEEN LARGER 10) NOT UID 1:5');
    assert.deepEqual(key, {
      op: 'and',
      keys: [
        {
          op: 'or',
          a: { op: 'header', field: 'FROM', value: 'alice' },
          b: {
            op: 'and',
            keys: [
              { op: 'flag', flag: '\\Seen', set: false },
              { op: 'size', cmp: 'larger', n: 10 },
            ],
          },
        },
        { op: 'not', key: { op: 'uid', set: [[1, 5]] } },
      ],
    });
  });
  it('decodes ISO-2022-JP search strings', () => {
    const jis = Buffer.from('1b2442467c4b5c1b2842', 'hex'); // 日本
    const cmd = Buffer.concat([b(`a SEARCH CHARSET ISO-2022-JP SUBJECT {${jis.length}}\r\n`), jis]);
    const { key, charset } = parseSearch(parseCommand(cmd).args);
    assert.equal(charset, 'ISO-2022-JP');
    assert.deepEqual(key, { op: 'header', field: 'SUBJECT', value: '日本' });
  });
  it('parses every RFC 3501 key', () => {
    const all =
      'ALL ANSWERED BCC x BEFORE 1-Feb-2020 BODY x CC x DELETED DRAFT FLAGGED FROM x HEADER X-A y KEYWORD $a LARGER 1 NEW NOT SEEN OLD ON 1-Feb-2020 OR SEEN DRAFT RECENT SEEN SENTBEFORE 1-Feb-2020 SENTON 1-Feb-2020 SENTSINCE 1-Feb-2020 SINCE 1-Feb-2020 SMALLER 9 SUBJECT x TEXT x TO x UID 1 UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $a UNSEEN 1:3 MODSEQ 5';
    const { key } = parse(all);
    assert.equal(key.op, 'and');
  });
  for (const bad of [
    '',
    'BOGUS',
    'FROM',
    'LARGER x',
    'BEFORE 2020-01-01',
    'OR SEEN',
    '()',
    'CHARSET KOI9 ALL',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parse(bad)));
  }
});
