/** Reads a calibration profile file (the one I/O step of sizing) and applies it. */
import { readFile } from 'node:fs/promises';
import { errnoCode, MailctlError } from '../errors.js';
import type { AssumptionKey, Assumptions } from './assumptions.js';
import { applyProfile, type Calibrated, readProfile } from './calibrate.js';

export async function loadProfile(
  file: string,
  a: Assumptions,
  given: readonly AssumptionKey[],
): Promise<Calibrated> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new MailctlError('not-found', `cannot read the profile: ${errnoCode(e) ?? String(e)}`, {
      where: file,
      hint: 'write one with: mailctl bench smtp --target HOST:PORT --profile FILE',
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MailctlError('invalid-input', `the profile is not JSON: ${(e as Error).message}`, {
      where: file,
    });
  }
  return applyProfile(a, readProfile(json, file), given);
}
