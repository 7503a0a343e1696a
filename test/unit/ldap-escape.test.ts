/** RFC 4515 filter values and RFC 4514 DN values: untrusted input cannot change a filter or a DN. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FilterParser } from 'ldapts';
import { and, eq, escapeDnValue, escapeFilterValue } from '../../src/directory/ldap/escape.js';

test('filter values: the RFC 4515 table', () => {
  const cases: [string, string][] = [
    ['alice@example.com', 'alice@example.com'],
    ['*', '\\2a'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['a\\b', 'a\\5cb'],
    ['(', '\\28'],
    ['x\0y', 'x\\00y'],
    ['line\nbreak', 'line\\0abreak'],
    ['山田@例え.jp', '山田@例え.jp'],
  ];
  for (const [input, want] of cases) assert.equal(escapeFilterValue(input), want, input);
});

test('an injected value stays one equality assertion (parsed by ldapts)', () => {
  const f = and('(objectClass=inetOrgPerson)', eq('mail', '*)(uid=*'));
  assert.equal(f, '(&(objectClass=inetOrgPerson)(mail=\\2a\\29\\28uid=\\2a))');
  const parsed = FilterParser.parseString(f);
  assert.equal(parsed.toString(), f);
  assert.equal((parsed as unknown as { filters: unknown[] }).filters.length, 2);
});

test('any string escapes to one filter whose value round-trips', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const f = eq('mail', s);
      const parsed = FilterParser.parseString(f) as unknown as { attribute: string; value: string | Buffer };
      assert.equal(parsed.attribute, 'mail');
      assert.equal(Buffer.from(parsed.value).toString('utf8'), s);
    }),
  );
});

test('user filters written without parentheses are wrapped', () => {
  assert.equal(and('objectClass=person', '(mail=x)'), '(&(objectClass=person)(mail=x))');
  assert.equal(and('(mail=x)'), '(mail=x)');
});

test('DN values: the RFC 4514 table', () => {
  const cases: [string, string][] = [
    ['alice@example.com', 'alice@example.com'],
    ['a,b', 'a\\,b'],
    ['a+b=c', 'a\\+b\\=c'],
    ['"q"', '\\"q\\"'],
    ['#lead', '\\#lead'],
    [' pad ', '\\ pad\\ '],
    ['<x>;\\', '\\<x\\>\\;\\\\'],
  ];
  for (const [input, want] of cases) assert.equal(escapeDnValue(input), want, input);
});
