/**
 * Calibration: `bench smtp --profile` on two message sizes, then `size --profile`'s model
 * predicts the daemon's CPU per message for a third size it never measured; a fresh bench
 * at that size must land within ±30% of the prediction. (What is compared: server CPU time
 * per message from /proc — the cost the profile replaces in the sizing model. Throughput is
 * not compared: the daemon currently waits 0.6–1 s (p95) on deliveries while its CPU is
 * mostly idle, which no CPU model predicts; see the bench README section.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { smtpOptions } from '../../src/bench/options.js';
import { runSmtp } from '../../src/bench/run.js';
import { defaults } from '../../src/sizing/assumptions.js';
import { applyProfile, readProfile } from '../../src/sizing/calibrate.js';
import { messageCpuMs } from '../../src/sizing/model.js';
import { tempDir } from '../helpers/tmp.js';
import { type DaemonProcess, startDaemonProcess } from './bench-peer.js';

let d: DaemonProcess;
const tmp = tempDir('mailctl-calibrate-');
before(async () => {
  d = await startDaemonProcess();
});
after(async () => {
  await d?.stop();
  tmp.cleanup();
});

const bench = (size: string, messages: string, profile?: string) =>
  runSmtp(
    smtpOptions({
      target: `127.0.0.1:${d.smtp}`,
      connections: '4',
      messages,
      size,
      to: 'alice@example.test',
      from: 'bench@example.test',
      profile,
    }),
  );

test('calibrated CPU per message predicts a new message size within ±30%', async () => {
  // warm-up at both sizes (JIT, first Maildir creation): a cold first size inflated the fit's
  // fixed part, so predictions ran 10–30 % high on a slow machine
  await bench('4KB,100KB', '100');
  const file = join(tmp.path, 'profile.json');
  const cal = await bench('4KB,100KB', '150', file);
  assert.deepEqual(
    cal.runs.map((r) => r.errors),
    [{}, {}],
  );
  const profile = readProfile(JSON.parse(readFileSync(file, 'utf8')), file);
  assert.ok(profile.fsyncMs && profile.fsyncMs > 0, 'fsync latency measured');
  const a = applyProfile(defaults(), profile).assumptions;
  const size = 40_000;
  const predicted = messageCpuMs(a, size);
  const check = await bench('40KB', '150');
  const measured = check.runs[0].serverCpuMs!;
  const error = (measured - predicted) / predicted;
  console.log(
    `calibration: fit ${profile.cpuMsPerMessage?.toFixed(3)} ms + ${profile.cpuMsPerKiB?.toFixed(5)} ms/KiB; 40 KB predicted ${predicted.toFixed(2)} ms, measured ${measured.toFixed(2)} ms (${(error * 100).toFixed(0)}%)`,
  );
  assert.ok(
    Math.abs(error) <= 0.3,
    `measured ${measured.toFixed(2)} ms vs predicted ${predicted.toFixed(2)} ms`,
  );
});
