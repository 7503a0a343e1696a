import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyStructure, sectionBytes } from '../../src/proto/imap/body.js';
import { astr, nstr, str } from '../../src/proto/imap/encode.js';
import { envelope, parseAddressList } from '../../src/proto/imap/envelope.js';
import { parseFetchAtt } from '../../src/proto/imap/fetch-atts.js';
import { parseMime } from '../../src/proto/imap/mime.js';
import { parseSearch } from '../../src/proto/imap/search.js';
import { MessageText, matchKey } from '../../src/proto/imap/search-match.js';
import { parseCommand } from '../../src/proto/imap/tokens.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

const nested = crlf([
  'From: a@example.test',
  'Subject: nested',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'plain text',
  '--inner',
  'Content-Type: text/html',
  '',
  '<p>html</p>',
  '--inner--',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  'From: b@example.test',
  'Subject: inner message',
  '',
  'inner body',
  '--outer',
  'Content-Type: application/octet-stream; name*0="long"; name*1="name.bin"',
  'Content-Disposition: attachment; filename="x.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  'AAEC',
  '--outer--',
  'epilogue',
  '',
]);

const section = (spec: string, buf = nested) => {
  const a = parseFetchAtt(`BODY[${spec}]`);
  assert.equal(a.kind, 'section');
  return sectionBytes(buf, parseMime(buf), (a as Extract<typeof a, { kind: 'section' }>).section)?.toString(
    'latin1',
  );
};

describe('imap MIME sections', () => {
  const cases: [string, string | undefined][] = [
    ['1.1', 'plain text'],
    ['1.2', '<p>html</p>'],
    ['1.2.MIME', 'Content-Type: text/html\r\n\r\n'],
    ['2.HEADER', 'From: b@example.test\r\nSubject: inner message\r\n\r\n'],
    ['2.TEXT', 'inner body'],
    ['2.1', 'inner body'],
    ['3', 'AAEC'],
    ['HEADER.FIELDS (SUBJECT)', 'Subject: nested\r\n\r\n'],
    ['HEADER.FIELDS.NOT (SUBJECT CONTENT-TYPE)', 'From: a@example.test\r\n\r\n'],
    ['2.HEADER.FIELDS (subject)', 'Subject: inner message\r\n\r\n'],
    ['4', undefined],
    ['1.9', undefined],
    ['3.HEADER', undefined],
  ];
  for (const [spec, want] of cases) it(`BODY[${spec}]`, () => assert.equal(section(spec), want));

  it('single-part: BODY[1] is the body, BODY[TEXT] too', () => {
    const m = crlf(['Subject: x', '', 'body line', '']);
    assert.equal(section('1', m), 'body line\r\n');
    assert.equal(section('TEXT', m), 'body line\r\n');
    assert.equal(section('', m), m.toString('latin1'));
  });
});

describe('imap BODYSTRUCTURE and ENVELOPE', () => {
  it('renders a nested structure', () => {
    const bs = bodyStructure(nested, parseMime(nested), true);
    assert.equal(
      bs,
      '((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)("TEXT" "HTML" NIL NIL NIL "7BIT" 11 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL)' +
        '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 58 (NIL "inner message" ((NIL NIL "b" "example.test")) ((NIL NIL "b" "example.test")) ((NIL NIL "b" "example.test")) NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)' +
        '("APPLICATION" "OCTET-STREAM" ("NAME" "longname.bin") NIL NIL "BASE64" 4 NIL ("ATTACHMENT" ("FILENAME" "x.bin")) NIL NIL) "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)',
    );
  });

  it('survives hostile structures', () => {
    const deep = Buffer.from(
      Array.from(
        { length: 200 },
        (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`,
      ).join(''),
    );
    assert.match(bodyStructure(deep, parseMime(deep), true), /^\(/);
    const noBoundary = crlf(['Content-Type: multipart/mixed', '', 'x']);
    assert.match(bodyStructure(noBoundary, parseMime(noBoundary), false), /^\("TEXT" "PLAIN"/);
    const unterminated = crlf(['Content-Type: multipart/mixed; boundary=z', '', '--z', '', 'never closed']);
    assert.match(bodyStructure(unterminated, parseMime(unterminated), false), /"MIXED"\)$/);
    for (const junk of ['', '\r\n', 'no header at all', '\0\0\0:\r\n\r\n', ':::\n\n\n']) {
      const b = Buffer.from(junk, 'latin1');
      assert.match(bodyStructure(b, parseMime(b), true), /^\("TEXT" "PLAIN"/);
    }
  });

  it('parses addresses, groups, comments and routes', () => {
    assert.deepEqual(parseAddressList('"Doe, John" <john@x.test> (comment), jane@y.test'), [
      { name: 'Doe, John', mailbox: 'john', host: 'x.test' },
      { name: undefined, mailbox: 'jane', host: 'y.test' },
    ]);
    assert.deepEqual(parseAddressList('team: a@x.test, b@x.test;, c@y.test'), [
      { group: 'start', mailbox: 'team' },
      { name: undefined, mailbox: 'a', host: 'x.test' },
      { name: undefined, mailbox: 'b', host: 'x.test' },
      { group: 'end' },
      { name: undefined, mailbox: 'c', host: 'y.test' },
    ]);
    assert.deepEqual(parseAddressList('<@relay.test:u@z.test>'), [
      { name: undefined, mailbox: 'u', host: 'z.test' },
    ]);
    assert.deepEqual(parseAddressList('undisclosed-recipients:;'), [
      { group: 'start', mailbox: 'undisclosed-recipients' },
      { group: 'end' },
    ]);
  });

  it('ENVELOPE keeps raw 8-bit and encoded words, quotes or literals them', () => {
    const raw = Buffer.from(
      'Subject: \x93\xfa\x96{ "q" =?UTF-8?B?5pel?=\r\nFrom: a@b.test\r\n\r\n',
      'latin1',
    );
    const env = envelope(parseMime(raw).headers);
    assert.match(
      env,
      /^\(NIL \{\d+\}\r\n\x93\xfa\x96\{ "q" =\?UTF-8\?B\?5pel\?= \(\(NIL NIL "a" "b\.test"\)\)/,
    );
  });
});

describe('imap encoder', () => {
  it('quotes, escapes, literals', () => {
    assert.equal(str('abc'), '"abc"');
    assert.equal(str('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(str('line\r\nbreak'), '{11}\r\nline\r\nbreak');
    assert.equal(nstr(undefined), 'NIL');
    assert.equal(astr('INBOX'), 'INBOX');
    assert.equal(astr('has space'), '"has space"');
    assert.equal(astr(''), '""');
  });
});

describe('imap search matching', () => {
  const meta = {
    seq: 1,
    uid: 10,
    flags: ['\\Seen', '$Work'],
    internalDate: new Date('2024-03-05T10:00:00Z'),
    size: 500,
    modseq: 7,
    recent: false,
  };
  const scope = { maxSeq: 3, maxUid: 12 };
  const jpMail = Buffer.concat([
    Buffer.from(
      'Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\r\nDate: Tue, 5 Mar 2024 23:59:00 -0800\r\nFrom: Taro <taro@example.jp>\r\nContent-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
      'latin1',
    ),
    Buffer.from('=93=FA=96=7B=8C=EA =87@ end\r\n', 'latin1'), // 日本語 ① in Shift_JIS, QP-encoded
  ]);
  const q = (keys: string) =>
    parseSearch(parseCommand(Buffer.from(`a SEARCH CHARSET UTF-8 ${keys}`)).args).key;
  const cases: [string, boolean][] = [
    ['SUBJECT 日本', true],
    ['BODY 日本語', true],
    ['BODY ①', true],
    ['TEXT taro', true],
    ['FROM TARO', true],
    ['BODY taro', false],
    ['SENTON 5-Mar-2024', true],
    ['SENTBEFORE 5-Mar-2024', false],
    ['ON 5-Mar-2024', true],
    ['SINCE 6-Mar-2024', false],
    ['KEYWORD $work', true],
    ['UNKEYWORD $Work', false],
    ['SEEN NOT DELETED', true],
    ['OR DRAFT LARGER 499', true],
    ['SMALLER 500', false],
    ['UID 10:*', true],
    ['UID 11:*', false],
    ['1', true],
    ['2:*', false],
    ['MODSEQ 7', true],
    ['MODSEQ 8', false],
    ['NEW', false],
    ['OLD', true],
    ['HEADER Content-Type shift_jis', true],
    ['HEADER X-Missing ""', false],
  ];
  for (const [keys, want] of cases) {
    it(`${keys} → ${want}`, () =>
      assert.equal(matchKey(q(keys), meta, scope, new MessageText(jpMail)), want));
  }
});
