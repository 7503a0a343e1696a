#!/usr/bin/env node
'use strict';
// CommonJS on purpose (bin/package.json): libuv reads UV_THREADPOOL_SIZE once, when its
// thread pool first starts, and loading an ES module entry already starts it (with 4).
// A migration waits on many fsyncs at once and gets a bigger pool; see src/thread-pool.ts.
if (!process.env.UV_THREADPOOL_SIZE && process.argv.includes('migrate'))
  process.env.UV_THREADPOOL_SIZE = '16';
import('../dist/cli.js').then(async ({ main }) => {
  process.exitCode = await main(process.argv.slice(2));
});
