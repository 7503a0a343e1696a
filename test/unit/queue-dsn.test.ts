import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { domainListed, fromDomain } from '../../src/server/queue/dkim.js';
import { buildDsn, rfc5322Date, statusOf } from '../../src/server/queue/dsn.js';
import { parseHostPort } from '../../src/server/queue/route.js';

const base = {
  reportingMta: 'mx.example.test',
  queueId: 'Q1',
  sender: 'alice@example.test',
  arrival: new Date(Date.UTC(2026, 10, 27, 10, 0, 0)),
  now: new Date(Date.UTC(2026, 10, 27, 10, 5, 9)),
  originalHeaders:
    'From: alice@example.test\nTo: bob@remote.test\nSubject: =?UTF-8?B?44GT44KT44Gr44Gh44Gv?=\n\n',
  token: 'abc123',
};

test('statusOf: enhanced code from the reply, else from the basic code, else the fallback', () => {
  const cases: [string | undefined, '4.0.0' | '5.0.0', string][] = [
    ['550 5.1.1 <bob@remote.test>: Recipient address rejected', '5.0.0', '5.1.1'],
    ['451 4.7.1 greylisted', '4.0.0', '4.7.1'],
    ['550-5.7.26 multi-line reply', '5.0.0', '5.7.26'],
    ['554 no enhanced code here', '5.0.0', '5.0.0'],
    ['421 service not available', '4.0.0', '4.0.0'],
    ['550 4.1.1 class mismatch is ignored', '5.0.0', '5.0.0'],
    ['connect ECONNREFUSED 127.0.0.1:25', '4.0.0', '4.0.0'],
    [undefined, '5.0.0', '5.0.0'],
  ];
  for (const [reply, fb, want] of cases) assert.equal(statusOf(reply, fb), want, reply);
});

test('rfc5322Date uses a numeric zone', () => {
  assert.equal(rfc5322Date(base.now), 'Fri, 27 Nov 2026 10:05:09 +0000');
});

test('failure DSN: RFC 3464 structure a real MIME parser reads back', async () => {
  const dsn = buildDsn({
    ...base,
    recipients: [
      {
        address: 'bob@remote.test',
        action: 'failed',
        diagnostic: '550 5.1.1 no such user\r\n',
        fromRemote: true,
        remoteMta: 'mx.remote.test',
      },
      {
        address: 'z@nullmx.test',
        action: 'failed',
        status: '5.1.10',
        diagnostic: 'nullmx.test does not accept mail',
      },
    ],
  });
  assert.ok(!/[^\r]\n/.test(dsn), 'CRLF line ends only');
  assert.match(
    dsn,
    /^Content-Type: multipart\/report; report-type=delivery-status; boundary="=_mailctl_dsn_abc123"\r$/m,
  );
  assert.match(dsn, /^Message-ID: <Q1\.abc123\.dsn@mx\.example\.test>\r$/m);
  const fields = /Content-Type: message\/delivery-status\r\n\r\n([\s\S]*?)\r\n\r\n--=_mailctl/.exec(dsn)?.[1];
  assert.equal(
    fields,
    [
      'Reporting-MTA: dns; mx.example.test',
      'X-Mailctl-Queue-ID: Q1',
      'Arrival-Date: Fri, 27 Nov 2026 10:00:00 +0000',
      '',
      'Final-Recipient: rfc822; bob@remote.test',
      'Action: failed',
      'Status: 5.1.1',
      'Remote-MTA: dns; mx.remote.test',
      'Diagnostic-Code: smtp; 550 5.1.1 no such user',
      'Last-Attempt-Date: Fri, 27 Nov 2026 10:05:09 +0000',
      '',
      'Final-Recipient: rfc822; z@nullmx.test',
      'Action: failed',
      'Status: 5.1.10',
      'Diagnostic-Code: x-mailctl; nullmx.test does not accept mail',
      'Last-Attempt-Date: Fri, 27 Nov 2026 10:05:09 +0000',
    ].join('\r\n'),
  );
  const parsed = await simpleParser(dsn);
  assert.equal(parsed.subject, 'Undelivered Mail Returned to Sender');
  assert.equal(
    parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0].address : '',
    'alice@example.test',
  );
  assert.equal(parsed.headers.get('auto-submitted'), 'auto-replied');
  // mailparser shows message/delivery-status inline (it is text), the headers as an attachment.
  const headers = parsed.attachments.find((a) => a.contentType === 'text/rfc822-headers');
  assert.match(headers?.content.toString() ?? '', /^Subject: =\?UTF-8\?B\?44GT44KT44Gr44Gh44Gv\?=\r$/m);
  assert.match(parsed.text ?? '', /<bob@remote\.test>: 550 5\.1\.1 no such user/);
  assert.match(parsed.text ?? '', /^Final-Recipient: rfc822; bob@remote\.test$/m);
});

test('delay DSN says delayed and until when; hostile diagnostics cannot inject fields', () => {
  const dsn = buildDsn({
    ...base,
    willRetryUntil: new Date(Date.UTC(2026, 11, 2, 10, 0, 0)),
    recipients: [
      {
        address: 'bob@remote.test',
        action: 'delayed',
        diagnostic: '451 4.7.1 later\r\nAction: failed\r\nX: y\x00',
        fromRemote: true,
      },
    ],
  });
  assert.match(dsn, /^Subject: Delayed Mail \(still being retried\)\r$/m);
  assert.match(dsn, /^Action: delayed\r\nStatus: 4\.7\.1\r$/m);
  assert.match(dsn, /^Will-Retry-Until: Wed, 2 Dec 2026 10:00:00 \+0000\r$/m);
  assert.match(dsn, /^Diagnostic-Code: smtp; 451 4\.7\.1 later Action: failed X: y\r$/m);
  assert.equal(dsn.match(/^Action: /gm)?.length, 1);
  const long = buildDsn({
    ...base,
    recipients: [{ address: 'b@r.test', action: 'failed', diagnostic: `550 ${'x'.repeat(5000)}` }],
  });
  assert.ok(
    long.split('\r\n').every((l) => l.length <= 998),
    'no line over 998 octets',
  );
});

test('fromDomain reads the From header (folded, display names, groups); domainListed matches subdomains', () => {
  const cases: [string, string | undefined][] = [
    ['From: Alice <alice@Example.TEST>\r\nTo: x@y\r\n\r\n', 'example.test'],
    ['Subject: x\r\nFROM:\r\n  "Doe, John" <john@sub.example.test>\r\n\r\n', 'sub.example.test'],
    ['From: bare@example.test\n\n', 'example.test'],
    ['To: x@y.test\r\n\r\n', undefined],
    ['From: undisclosed\r\n\r\n', undefined],
  ];
  for (const [h, want] of cases) assert.equal(fromDomain(h), want, h);
  assert.equal(domainListed('mail.example.test', ['example.test']), true);
  assert.equal(domainListed('example.test', ['Example.Test.']), true);
  assert.equal(domainListed('badexample.test', ['example.test']), false);
});

test('parseHostPort: names, IPv4, bracketed and bare IPv6, default port', () => {
  const cases: [string, { host: string; port: number }][] = [
    ['smtp.isp.test:587', { host: 'smtp.isp.test', port: 587 }],
    ['smtp.isp.test', { host: 'smtp.isp.test', port: 25 }],
    ['192.0.2.1:2525', { host: '192.0.2.1', port: 2525 }],
    ['[2001:db8::1]:587', { host: '2001:db8::1', port: 587 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 25 }],
  ];
  for (const [s, want] of cases) assert.deepEqual(parseHostPort(s, 25), want, s);
});
