/** Modified UTF-7 (RFC 3501 §5.1.3): known pairs, round trips, hostile input refused. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeMutf7, encodeMutf7, isMutf7 } from '../../src/proto/mutf7.js';

const pairs: [string, string][] = [
  ['INBOX', 'INBOX'],
  ['R&D', 'R&-D'],
  ['&', '&-'],
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
  ['受信トレイ', '&U9dP4TDIMOwwpA-'],
  ['重要', '&kc2JgQ-'],
  ['Entwürfe', 'Entw&APw-rfe'],
  ['a b', 'a b'],
  ['😀', '&2D3eAA-'],
  ['①㈱', '&JGAyMQ-'],
];

describe('modified UTF-7', () => {
  for (const [utf8, m] of pairs) {
    test(`${JSON.stringify(utf8)} ↔ ${m}`, () => {
      assert.equal(encodeMutf7(utf8), m);
      assert.equal(decodeMutf7(m), utf8);
    });
  }

  test('round trip of any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        assert.equal(decodeMutf7(encodeMutf7(s)), s);
      }),
      { numRuns: 500 },
    );
  });

  for (const bad of [
    '&',
    '&U9dP4TDIMOwwpA',
    '&AGE-',
    '&2D0-',
    'ü',
    'a\u0001',
    '&U9dP4TDIMOwwpB-',
    '&!!-',
    '&3gA-',
  ]) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => decodeMutf7(bad));
      assert.equal(isMutf7(bad), false);
    });
  }
});
