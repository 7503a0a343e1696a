import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { THREAD_POOL_SIZE, threadPoolSize } from '../../src/thread-pool.js';

const launcher = new URL('../../bin/mailctl.js', import.meta.url);

test('the launcher sets the thread pool size the code assumes', () => {
  const m = /UV_THREADPOOL_SIZE = '(\d+)'/.exec(readFileSync(launcher, 'utf8'));
  assert.ok(m, 'bin/mailctl.js sets UV_THREADPOOL_SIZE');
  assert.equal(Number(m[1]), THREAD_POOL_SIZE);
});

test("the launcher is CommonJS, so the size is set before libuv's pool starts", () => {
  // Loaded as CommonJS, `require` exists at the top level; as an ES module it would not.
  const pkg = JSON.parse(readFileSync(new URL('../../bin/package.json', import.meta.url), 'utf8')) as {
    type?: string;
  };
  assert.equal(pkg.type, 'commonjs');
  // A real process: the pool threads exist once the pool has run something.
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `process.env.UV_THREADPOOL_SIZE = ''; delete process.env.UV_THREADPOOL_SIZE;
       require(${JSON.stringify(launcher.pathname)});
       setTimeout(() => { process.stdout.write(String(require('fs').readdirSync('/proc/self/task').length)); process.exit(0); }, 300);`,
    ],
    { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '' } },
  );
  assert.ok(Number(out) >= THREAD_POOL_SIZE, `${out} threads in the process`);
});

test("the operator's UV_THREADPOOL_SIZE wins", () => {
  assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '8' }), 8);
  assert.equal(threadPoolSize({}), 4, "libuv's default when nothing set it");
  assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: 'lots' }), 4);
});
