/** Compact listing entries give back exactly what they were made from; fetched keys find their entries in any order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InOrder } from '../../src/migrate/copy.js';
import { listedMessage } from '../../src/migrate/listed.js';

test('keys and internal dates survive the compact form', () => {
  const dates = [
    new Date('2026-11-28T03:00:00Z'),
    new Date('1999-12-31T23:59:59Z'),
    new Date('1966-01-01T00:00:00Z'), // below the small-integer range: kept as milliseconds
    new Date('2040-05-05T05:05:05Z'), // above it
    new Date('2026-11-28T03:00:00.123Z'), // not whole seconds (a file mtime)
    new Date(0),
  ];
  const keys = ['1', '4294967295', '12345', '0', '007', '1e3', '1795833917.M819506P31799Q172506.vm', 'abc:2'];
  for (const d of dates)
    for (const k of keys) {
      const m = listedMessage(k, 42, ['\\Seen'], d);
      assert.equal(m.key, k);
      assert.equal(m.internalDate.getTime(), d.getTime(), `${k} ${d.toISOString()}`);
      assert.equal(m.size, 42);
      assert.deepEqual(m.flags, ['\\Seen']);
    }
});

test('InOrder hands out each listed message once, in order, with gaps, late and unknown keys', () => {
  const list = Array.from({ length: 50 }, (_, i) => listedMessage(String(i + 1), 1, [], new Date(0)));
  const order = new InOrder(list, 5);
  assert.equal(order.take('1')?.key, '1');
  assert.equal(order.take('3')?.key, '3', 'a gap (2 gone or late)');
  assert.equal(order.take('2')?.key, '2', 'late after all');
  assert.equal(order.take('2'), undefined, 'only once');
  assert.equal(order.take('99'), undefined, 'never listed');
  assert.equal(order.take('40')?.key, '40', 'far ahead: the rest becomes a lookup');
  assert.equal(order.take('4')?.key, '4');
  const rest = [];
  for (let i = 5; i <= 50; i++) if (i !== 40) rest.push(order.take(String(i))?.key);
  assert.deepEqual(
    rest,
    Array.from({ length: 50 }, (_, i) => String(i + 1))
      .slice(4)
      .filter((k) => k !== '40'),
  );
  assert.equal(order.take('50'), undefined);
});
