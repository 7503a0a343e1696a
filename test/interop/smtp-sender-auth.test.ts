/**
 * Inbound SPF, DKIM and DMARC against a real authoritative DNS server (NSD) serving the
 * test records: a DKIM-signed, SPF-aligned message passes and carries Authentication-Results;
 * a spoofed one under p=reject is refused; one under p=quarantine lands in Junk.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dkimSign } from 'mailauth';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Nsd, startNsd, zone } from '../helpers/nsd.js';
import { RawSmtp } from '../helpers/smtp-raw.js';
import { tempDir } from '../helpers/tmp.js';

let td: TestDaemon;
let nsd: Nsd;
const tmp = tempDir('mailctl-senderauth-');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
/** TXT strings are at most 255 octets: split the key record. */
const dkimTxt = `v=DKIM1; k=rsa; p=${p}`
  .match(/.{1,200}/g)
  ?.map((s) => `"${s}"`)
  .join(' ');

before(async () => {
  nsd = await startNsd(tmp.path, {
    'good.test.': zone(
      'good.test',
      `@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\ns1._domainkey IN TXT ( ${dkimTxt} )\n_dmarc IN TXT "v=DMARC1; p=reject"`,
    ),
    'spoofed.test.': zone(
      'spoofed.test',
      '@ IN TXT "v=spf1 ip4:192.0.2.1 -all"\n_dmarc IN TXT "v=DMARC1; p=reject"',
    ),
    'quar.test.': zone(
      'quar.test',
      '@ IN TXT "v=spf1 ip4:192.0.2.1 -all"\n_dmarc IN TXT "v=DMARC1; p=quarantine"',
    ),
  });
  td = await startTestDaemon({
    only: ['smtp'],
    extraToml: `[dns]\nservers = ["${nsd.server}"]\ntimeout = 2000\n`,
  });
});
after(async () => {
  await td?.stop();
  await nsd?.stop();
  tmp.cleanup();
});

async function folder(name: string): Promise<string[]> {
  const view = await td.daemon.ctx.store.open(
    { user: 'alice@example.test', folder: name },
    { readOnly: true },
  );
  try {
    const out: string[] = [];
    for (const m of view.messages()) out.push((await view.readAll(m.uid)).toString());
    return out;
  } finally {
    view.close();
  }
}

async function send(from: string, message: string) {
  const c = await RawSmtp.open(td.port('smtp'));
  await c.reply();
  await c.cmd('EHLO sender.example.net');
  const r = await c.send(from, ['alice@example.test'], message);
  c.close();
  return r;
}

describe('inbound sender authentication (mailauth + NSD)', () => {
  it('passes SPF, DKIM and DMARC for a signed message and adds Authentication-Results', async () => {
    const raw =
      'From: news@good.test\r\nTo: alice@example.test\r\nSubject: signed\r\nMessage-ID: <s1@good.test>\r\n\r\nhello\r\n';
    const key = { signingDomain: 'good.test', selector: 's1', privateKey: pem };
    // mailauth signs from signatureData; its typings also want the top-level fields.
    const sig = await dkimSign(raw, { ...key, signatureData: [key] });
    assert.equal(sig.errors.length, 0);
    const r = await send('news@good.test', sig.signatures + raw);
    assert.equal(r.code, 250, r.text);
    const m = (await folder('INBOX')).find((x) => x.includes('Subject: signed'));
    assert.ok(m);
    assert.match(m, /Authentication-Results: mx\.example\.test;/);
    assert.match(m, /dkim=pass/);
    assert.match(m, /spf=pass/);
    assert.match(m, /dmarc=pass/);
  });

  it('refuses a spoofed sender under p=reject with 550 5.7.1', async () => {
    const r = await send(
      'ceo@spoofed.test',
      'From: ceo@spoofed.test\r\nSubject: wire money\r\n\r\npay now\r\n',
    );
    assert.equal(r.code, 550, r.text);
    assert.match(r.text, /^550 5\.7\.1 .*DMARC.*\([0-9a-z]{16}\)$/);
    assert.equal((await folder('INBOX')).filter((x) => x.includes('wire money')).length, 0);
  });

  it('files a p=quarantine failure in Junk', async () => {
    const r = await send('promo@quar.test', 'From: promo@quar.test\r\nSubject: cheap stuff\r\n\r\nbuy\r\n');
    assert.equal(r.code, 250, r.text);
    const junk = await folder('Junk');
    const m = junk.find((x) => x.includes('cheap stuff'));
    assert.ok(m, 'message should be in Junk');
    assert.match(m, /dmarc=fail/);
    assert.equal((await folder('INBOX')).filter((x) => x.includes('cheap stuff')).length, 0);
  });
});
