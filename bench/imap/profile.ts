/**
 * Drives one running mailctl IMAP server with a single operation repeatedly, for
 * `node --cpu-prof` runs of the server (bench/imap/serve.ts):
 *
 *   node --import tsx bench/imap/profile.ts --port P --op flags|bodies|login --times 20
 *   node --import tsx bench/imap/profile.ts --port P --op wake --sessions 2000 --pid SERVER_PID
 */
import { parseArgs } from 'node:util';
import { BenchClient } from './client.js';
import { idleBench } from './idle.js';

const { values: a } = parseArgs({
  options: {
    port: { type: 'string' },
    op: { type: 'string', default: 'flags' },
    times: { type: 'string', default: '20' },
    user: { type: 'string', default: 'alice@example.test' },
    pass: { type: 'string', default: 'bench-password-1' },
    sessions: { type: 'string', default: '2000' },
    pid: { type: 'string' },
  },
});
const port = Number(a.port);
if (a.op === 'wake') {
  const r = await idleBench(
    port,
    Number(a.pid),
    Number(a.sessions),
    'idle@example.test',
    a.pass!,
    () => undefined,
  );
  process.stdout.write(`wake: ${r.sessions} sessions woken in ${r.wakeMs.toFixed(0)} ms\n`);
  process.exit(0);
}
const ms: number[] = [];
for (let i = 0; i < Number(a.times); i++) {
  const t0 = performance.now();
  const c = await BenchClient.connect(port);
  await c.run(`LOGIN ${a.user} ${a.pass}`);
  await c.run('SELECT INBOX');
  if (a.op === 'login') ms.push(performance.now() - t0);
  else {
    const r = await c.run(a.op === 'flags' ? 'UID FETCH 1:* (FLAGS)' : 'FETCH 1:* BODY.PEEK[]');
    ms.push(r.ms);
  }
  c.close();
}
ms.sort((x, y) => x - y);
process.stdout.write(
  `${a.op}: median ${ms[Math.floor(ms.length / 2)].toFixed(1)} ms, min ${ms[0].toFixed(1)} ms\n`,
);
