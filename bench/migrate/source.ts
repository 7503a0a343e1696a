/**
 * Keeps the benchmark's source Dovecot (the corpus of bench/migrate/run.ts, generated
 * there) running for profiling by hand; prints its IMAP port, stops on SIGINT/SIGTERM.
 *
 *   node --import tsx bench/migrate/source.ts &   # (its own pid: SIGTERM stops Dovecot too), then e.g.
 *   MAILCTL_MASTER_PASSWORD=master-secret node --cpu-prof bin/mailctl.js -c DIR/mailctl.toml migrate \
 *     --from imap://127.0.0.1:PORT --users /tmp/mailctl-bench-migrate/users.csv --master admin --no-starttls …
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Manifest } from '../../fixtures/corpus/generate.js';
import { startCorpusSource } from './corpus-source.js';

const W = resolve(process.env.BENCH_DIR ?? '/tmp/mailctl-bench-migrate');
const m = JSON.parse(readFileSync(join(W, 'corpus', 'manifest.json'), 'utf8')) as Manifest;
const src = await startCorpusSource(W, m, 'src-dc-manual');
process.stdout.write(`${src.imapPort}\n`);
const stop = () => void src.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
