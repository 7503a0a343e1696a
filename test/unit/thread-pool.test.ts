import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LIBUV_DEFAULT_POOL_SIZE, MIGRATE_THREAD_POOL_SIZE, threadPoolSize } from '../../src/thread-pool.js';

const launcher = new URL('../../bin/mailctl.js', import.meta.url);

test('the launcher sets the thread pool size the code assumes', () => {
  const m = /UV_THREADPOOL_SIZE = '(\d+)'/.exec(readFileSync(launcher, 'utf8'));
  assert.ok(m, 'bin/mailctl.js sets UV_THREADPOOL_SIZE');
  assert.equal(Number(m[1]), MIGRATE_THREAD_POOL_SIZE);
});

/**
 * Threads of a process started through the launcher with `args`, counted as soon as the
 * pool has run one job (a stat) — before the command itself has done anything.
 */
function threadsWith(args: string[], env: NodeJS.ProcessEnv): number {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `process.argv.push(...${JSON.stringify(args)});
       require(${JSON.stringify(launcher.pathname)});
       require('fs').stat('/', () => {
         process.stdout.write('THREADS=' + require('fs').readdirSync('/proc/self/task').length + '\\n');
         process.exit(0);
       });`,
    ],
    { encoding: 'utf8', env },
  );
  return Number(/THREADS=(\d+)/.exec(out)?.[1]);
}

test("the launcher is CommonJS, so the size is set before libuv's pool starts", () => {
  const pkg = JSON.parse(readFileSync(new URL('../../bin/package.json', import.meta.url), 'utf8')) as {
    type?: string;
  };
  assert.equal(pkg.type, 'commonjs');
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  const migrate = threadsWith(['migrate', '--help'], env);
  const other = threadsWith(['--help'], env);
  assert.ok(migrate >= MIGRATE_THREAD_POOL_SIZE, `${migrate} threads for migrate`);
  assert.equal(
    migrate - other,
    MIGRATE_THREAD_POOL_SIZE - LIBUV_DEFAULT_POOL_SIZE,
    `${other} threads otherwise`,
  );
});

test("the operator's UV_THREADPOOL_SIZE wins", () => {
  assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '8' }), 8);
  assert.equal(threadPoolSize({}), LIBUV_DEFAULT_POOL_SIZE, "libuv's default when nothing set it");
  assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: 'lots' }), LIBUV_DEFAULT_POOL_SIZE);
  const env = { ...process.env, UV_THREADPOOL_SIZE: '6' };
  const six = threadsWith(['migrate', '--help'], env);
  const sixteen = threadsWith(['migrate', '--help'], { ...env, UV_THREADPOOL_SIZE: '' });
  assert.equal(sixteen - six, MIGRATE_THREAD_POOL_SIZE - 6);
});
