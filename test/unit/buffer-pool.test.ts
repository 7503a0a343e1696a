/** SizeClassPool: power-of-two classes, exact buffers above the largest class, the free cap. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SizeClassPool } from '../../src/buffer-pool.js';

test('classes: small requests get the smallest class, others the next power of two', () => {
  const p = new SizeClassPool(4096, 1 << 20, 1 << 20);
  assert.equal(p.take(0).byteLength, 4096);
  assert.equal(p.take(4097).byteLength, 8192);
  assert.equal(p.take(1 << 20).byteLength, 1 << 20);
  assert.equal(p.take((1 << 20) + 1).byteLength, (1 << 20) + 1, 'above the largest class: exact');
});

test('a given-back buffer is handed out again; foreign sizes and a full pool are refused', () => {
  const p = new SizeClassPool(4096, 65536, 12288);
  const a = p.take(5000);
  assert.equal(p.give(a), true);
  assert.equal(p.take(6000), a, 'same class: the same buffer');
  assert.equal(p.give(new ArrayBuffer(5000)), false, 'not a class size');
  assert.equal(p.give(new ArrayBuffer(1 << 17)), false, 'above the largest class');
  assert.equal(p.give(p.take(8192)), true);
  assert.equal(p.give(p.take(4096)), true);
  assert.equal(p.give(new ArrayBuffer(8192)), false, 'over the free cap (8 + 4 KB kept already)');
});
