import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type MboxEnd,
  MboxParser,
  type MboxStart,
  parseFromLine,
  statusFlags,
} from '../../src/migrate/sources/mbox-parse.js';

function parse(text: string, format: 'mboxrd' | 'mboxo' = 'mboxrd', chunk = 7) {
  const msgs: { start: MboxStart; body: string; end?: MboxEnd }[] = [];
  const problems: string[] = [];
  const p = new MboxParser(
    {
      start: (s) => msgs.push({ start: s, body: '' }),
      data: (c) => {
        msgs[msgs.length - 1].body += c.toString('latin1');
      },
      end: (e) => {
        msgs[msgs.length - 1].end = e;
      },
      problem: (line, m) => problems.push(`${line}: ${m}`),
    },
    format,
  );
  const buf = Buffer.from(text, 'latin1');
  // odd chunk sizes: lines split across chunks must not matter
  for (let i = 0; i < buf.length; i += chunk) p.push(buf.subarray(i, i + chunk));
  p.finish();
  return { msgs, problems };
}

describe('mbox From lines', () => {
  const cases: [string, string | undefined][] = [
    ['From alice@example.com Sat Jan  3 12:00:00 2015', '2015-01-03T12:00:00.000Z'],
    ['From MAILER-DAEMON Fri Jul  8 12:08:34 2011', '2011-07-08T12:08:34.000Z'],
    ['From x@y Mon Feb 14 09:00 2022', '2022-02-14T09:00:00.000Z'],
    ['From x@y Mon Feb 14 09:00:00 +0900 2022', '2022-02-14T00:00:00.000Z'],
    ['From x@y Mon Feb 14 09:00:00 2022 +0900', '2022-02-14T00:00:00.000Z'],
    ['From x@y Mon Feb 14 09:00:00 JST 2022', '2022-02-14T09:00:00.000Z'],
    ['From the desk of the president', undefined],
    ['From here on, all is fine.', undefined],
    ['From x@y Foo Bar 14 09:00:00 2022', undefined],
  ];
  for (const [line, iso] of cases) {
    it(line, () => assert.equal(parseFromLine(line)?.date.toISOString(), iso));
  }
});

describe('mbox status headers → flags', () => {
  it('maps Status, X-Status, X-Keywords, X-Mozilla-Status', () => {
    assert.deepEqual(statusFlags('Status', 'RO'), ['\\Seen']);
    assert.deepEqual(statusFlags('Status', 'O'), []);
    assert.deepEqual(statusFlags('X-Status', 'AFTD'), ['\\Answered', '\\Flagged', '\\Draft', '\\Deleted']);
    assert.deepEqual(statusFlags('X-Keywords', ' $Label1, Work  NonJunk'), ['$Label1', 'Work', 'NonJunk']);
    assert.deepEqual(statusFlags('X-Mozilla-Status', '0005'), ['\\Seen', '\\Flagged']);
  });
});

describe('mbox parsing', () => {
  const two =
    'From a@x Sat Jan  3 12:00:00 2015\nSubject: one\nStatus: RO\nX-Status: A\nX-Keywords: Work\n\nbody one\n>From quoted\n>>From twice\n\n' +
    'From b@x Sun Jan  4 12:00:00 2015\nSubject: two\n\nbody two\n\n';

  it('splits messages, strips status headers and the separator blank line', () => {
    const { msgs, problems } = parse(two);
    assert.deepEqual(problems, []);
    assert.equal(msgs.length, 2);
    assert.equal(msgs[0].body, 'Subject: one\n\nbody one\nFrom quoted\n>From twice\n');
    assert.deepEqual(msgs[0].end?.flags.sort(), ['Work', '\\Answered', '\\Seen'].sort());
    assert.equal(msgs[1].body, 'Subject: two\n\nbody two\n');
    assert.equal(msgs[1].start.line, 11);
  });

  it('mboxo unquotes only one level of ">From "', () => {
    const { msgs } = parse(two, 'mboxo');
    assert.equal(msgs[0].body, 'Subject: one\n\nbody one\nFrom quoted\n>>From twice\n');
  });

  it('keeps CRLF messages byte for byte', () => {
    const { msgs } = parse('From a@x Sat Jan  3 12:00:00 2015\r\nSubject: c\r\n\r\nline\r\n\r\nlast\r\n\n');
    assert.equal(msgs[0].body, 'Subject: c\r\n\r\nline\r\n\r\nlast\r\n');
  });

  it('reports a damaged From line with its line number and keeps going', () => {
    const text =
      'From a@x Sat Jan  3 12:00:00 2015\nSubject: one\n\nhello\n\nFrom the desk of the boss\nmore\n\nFrom b@x Sun Jan  4 12:00:00 2015\nSubject: two\n\nx\n';
    const { msgs, problems } = parse(text);
    assert.equal(msgs.length, 2);
    assert.match(msgs[0].body, /From the desk of the boss\nmore\n$/);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^6: looks like a damaged "From " separator/);
  });

  it('reports a file that does not start with a From line', () => {
    const { msgs, problems } = parse(
      'Subject: no separator\n\nhi\n\nFrom a@x Sat Jan  3 12:00:00 2015\nSubject: ok\n\nx\n',
    );
    assert.equal(msgs.length, 1);
    assert.match(problems[0], /^1: not an mbox file/);
  });

  it('captures Message-ID (or its absence)', () => {
    const { msgs } = parse(
      'From a@x Sat Jan  3 12:00:00 2015\nMessage-ID: <m1@x>\n\nx\n\nFrom a@x Sat Jan  3 12:00:00 2015\nSubject: none\n\ny\n',
    );
    assert.equal(msgs[0].end?.messageId, '<m1@x>');
    assert.equal(msgs[1].end?.messageId, null);
  });
});
