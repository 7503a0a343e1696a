import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, parseDuration, parseSize } from '../../src/proto/units.js';

test('parseSize reads operator units', () => {
  const cases: [string | number, number | undefined][] = [
    ['80KB', 80_000],
    ['2GiB', 2 * 1024 ** 3],
    ['50 MB', 50_000_000],
    ['1.5k', 1500],
    [1234, 1234],
    ['12', 12],
    ['', undefined],
    ['-1MB', undefined],
    ['10 parsecs', undefined],
    [-5, undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseSize(input), want, String(input));
});

test('parseDuration reads operator units', () => {
  const cases: [string | number, number | undefined][] = [
    ['5d', 5 * 86_400_000],
    ['30s', 30_000],
    ['100ms', 100],
    ['3y', 3 * 365 * 86_400_000],
    [2, 2000],
    ['4 h', 4 * 3_600_000],
    ['soon', undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseDuration(input), want, String(input));
});

test('formatBytes uses binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(50 * 1024 ** 2), '50.0 MiB');
});
