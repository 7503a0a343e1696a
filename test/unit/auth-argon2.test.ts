/** argon2 on the thread pool: the encoding other tools read, bounded concurrency, no event-loop stall. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { argon2Verify } from 'hash-wasm';
import {
  argon2Backend,
  argon2Stats,
  argon2VerifyEncoded,
  encodeArgon2,
  parseArgon2,
} from '../../src/auth/argon2.js';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';

describe('argon2 (native, thread pool)', () => {
  test('the native module is the one in use', () => {
    assert.equal(argon2Backend(), 'native');
  });

  test('our hashes are read by Dovecot (doveadm pw -t) and by hash-wasm', async () => {
    const h = await hashPassword('pässword-1');
    assert.match(h, /^\{ARGON2ID\}\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const out = execFileSync('doveadm', ['pw', '-t', h, '-p', 'pässword-1'], { encoding: 'utf8' });
    assert.match(out, /verified/);
    assert.throws(() => execFileSync('doveadm', ['pw', '-t', h, '-p', 'wrong'], { stdio: 'pipe' }));
    assert.equal(await argon2Verify({ password: 'pässword-1', hash: h.slice('{ARGON2ID}'.length) }), true);
  });

  test('Dovecot hashes (argon2id and argon2i) verify', async () => {
    for (const s of ['ARGON2ID', 'ARGON2I']) {
      const h = execFileSync('doveadm', ['pw', '-s', s, '-p', 'x y'], { encoding: 'utf8' }).trim();
      assert.equal(await verifyPassword('x y', h), true, h);
      assert.equal(await verifyPassword('x  y', h), false, h);
    }
  });

  test('parse/encode round-trip; hostile strings are rejected, not thrown', async () => {
    const s =
      '$argon2id$v=19$m=65536,t=3,p=1$XV8Ei/r7G3Xcw7YIsQsNkg$aw0XKX5bv3Djdjk59trXsAFLjJOLatLCMxF9YFfYvpo';
    assert.equal(encodeArgon2(parseArgon2(s)!), s);
    for (const bad of [
      '',
      '$argon2id$',
      '$argon2id$v=19$m=4294967295,t=3,p=1$XV8Ei/r7G3Xcw7YIsQsNkg$aw0XKX5bv3Djdjk59trXsAFLjJOLatLCMxF9YFfYvpo',
      '$argon2id$v=19$m=65536,t=0,p=1$XV8Ei/r7G3Xcw7YIsQsNkg$aw0XKX5bv3Djdjk59trXsAFLjJOLatLCMxF9YFfYvpo',
      '$argon2id$v=18$m=65536,t=3,p=1$XV8Ei/r7G3Xcw7YIsQsNkg$aw0XKX5bv3Djdjk59trXsAFLjJOLatLCMxF9YFfYvpo',
      '$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aw0XKX5bv3Djdjk59trXsAFLjJOLatLCMxF9YFfYvpo',
      '$argon2x$v=19$m=65536,t=3,p=1$XV8Ei/r7G3Xcw7YIsQsNkg$aw0XKX5bv3Djdjk59trXsAFLjJOLatLCMxF9YFfYvpo',
    ]) {
      assert.equal(parseArgon2(bad), undefined, bad);
      assert.equal(await argon2VerifyEncoded('x', bad), false);
    }
  });

  test('a login storm runs at most one hash per slot, and the event loop keeps turning', async () => {
    const h = await hashPassword('storm');
    let ticks = 0;
    let stop = false;
    const spin = () => {
      ticks++;
      if (!stop) setImmediate(spin);
    };
    spin();
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => verifyPassword(i % 2 ? 'storm' : 'no', h)),
    );
    const ms = performance.now() - t0;
    stop = true;
    assert.deepEqual(
      results,
      results.map((_, i) => i % 2 === 1),
    );
    const st = argon2Stats();
    assert.ok(st.peak <= st.slots, `peak ${st.peak} > slots ${st.slots}`);
    assert.ok(st.peakMemoryKiB <= 160 * 1024);
    assert.equal(st.running, 0);
    assert.equal(st.waiting, 0);
    // With hashing on the main thread the loop would turn ~16 times; here it turns freely.
    assert.ok(ticks > 100, `event loop turned only ${ticks} times in ${ms.toFixed(0)} ms`);
  });
});
