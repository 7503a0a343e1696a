import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import pino from 'pino';
import { parseConfigText } from '../../src/config/load.js';
import { Replies } from '../../src/proto/smtp-reply.js';
import type { DaemonContext } from '../../src/server/service.js';
import type { Check } from '../../src/server/smtp/policy/check.js';
import type { PolicyContext } from '../../src/server/smtp/policy/context.js';
import { decide } from '../../src/server/smtp/policy/decide.js';
import { loadChecks, Pipeline } from '../../src/server/smtp/policy/pipeline.js';
import { accept, defer, junk, pass, reject, type Verdict } from '../../src/server/smtp/policy/verdict.js';

describe('decide()', () => {
  const cases: {
    name: string;
    stage: Parameters<typeof decide>[0];
    trail: Verdict[];
    want: string;
    reason: string;
  }[] = [
    {
      name: 'empty rcpt trail is relay-denied',
      stage: 'rcpt',
      trail: [],
      want: 'reject',
      reason: 'relay-denied',
    },
    {
      name: 'rcpt with only pass is denied',
      stage: 'rcpt',
      trail: [pass()],
      want: 'reject',
      reason: 'relay-denied',
    },
    {
      name: 'rcpt accepted',
      stage: 'rcpt',
      trail: [pass(), accept('local-account')],
      want: 'accept',
      reason: 'local-account',
    },
    {
      name: 'reject after accept wins',
      stage: 'rcpt',
      trail: [accept('local-account'), reject('dnsbl', Replies.relayDenied)],
      want: 'reject',
      reason: 'dnsbl',
    },
    { name: 'mail default-allow', stage: 'mail', trail: [pass()], want: 'accept', reason: 'default-allow' },
    {
      name: 'data junk',
      stage: 'data',
      trail: [pass(), junk('dmarc-quarantine')],
      want: 'accept',
      reason: 'dmarc-quarantine',
    },
    {
      name: 'defer keeps its reply',
      stage: 'data',
      trail: [defer('over-quota', Replies.mailboxFullTemp)],
      want: 'defer',
      reason: 'over-quota',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decide(c.stage, c.trail);
      assert.equal(d.outcome, c.want);
      assert.equal(d.reason, c.reason);
    });
  }
  it('relay-denied answers 554 5.7.1', () => {
    const d = decide('rcpt', []);
    assert.equal(d.reply?.code, 554);
    assert.equal(d.reply?.enhanced, '5.7.1');
  });
  it('junk flag survives an accept', () => {
    assert.equal(decide('data', [junk('x'), accept('y')]).junk, true);
  });
});

function fakeDaemon(): DaemonContext {
  const config = parseConfigText('', '/tmp/none.toml', { privileged: false });
  return { config, events: new EventEmitter(), log: pino({ level: 'silent' }) } as unknown as DaemonContext;
}

function ctxFor(daemon: DaemonContext): PolicyContext {
  return {
    daemon,
    session: { id: 'S1', listener: 'smtp', remoteAddress: '192.0.2.1', remotePort: 1, secure: false },
    recipients: [],
  };
}

describe('Pipeline', () => {
  const daemon = fakeDaemon();
  const mk = (name: string, order: number, run: Check['run'], timeoutMs?: number): Check => ({
    name,
    stage: 'mail',
    order,
    run,
    timeoutMs,
  });

  it('runs checks in order and stops at the first reject', async () => {
    const seen: string[] = [];
    const p = new Pipeline(
      [
        mk('b', 2, () => {
          seen.push('b');
          return reject('nope', Replies.badSenderSyntax);
        }),
        mk('a', 1, () => {
          seen.push('a');
          return pass();
        }),
        mk('c', 3, () => {
          seen.push('c');
          return pass();
        }),
      ],
      'smtp',
      daemon.config,
    );
    const d = await p.run('mail', ctxFor(daemon));
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(d.outcome, 'reject');
    assert.equal(d.trail[1].check, 'b');
  });

  it('a throwing check fails closed with 451 4.3.0 and an event', async () => {
    const events: unknown[] = [];
    daemon.events.on('policy-error', (e) => events.push(e));
    const p = new Pipeline(
      [
        mk('boom', 1, async () => {
          throw new Error('kaputt');
        }),
      ],
      'smtp',
      daemon.config,
    );
    const d = await p.run('mail', ctxFor(daemon));
    assert.equal(d.outcome, 'defer');
    assert.equal(d.reply?.code, 451);
    assert.equal(d.reply?.enhanced, '4.3.0');
    assert.equal(d.reason, 'check-error');
    assert.equal(events.length, 1);
  });

  it('a slow check times out and fails closed', async () => {
    const p = new Pipeline(
      [mk('slow', 1, () => new Promise<Verdict>((r) => setTimeout(() => r(pass()), 2000).unref()), 20)],
      'smtp',
      daemon.config,
    );
    const d = await p.run('mail', ctxFor(daemon));
    assert.equal(d.outcome, 'defer');
    assert.equal(d.reason, 'check-timeout');
  });

  it('honours enabled() per listener', async () => {
    const c: Check = {
      ...mk('mx-only', 1, () => reject('x', Replies.relayDenied)),
      enabled: (_c, l) => l === 'smtp',
    };
    assert.deepEqual(new Pipeline([c], 'smtp', daemon.config).names('mail'), ['mx-only']);
    assert.deepEqual(new Pipeline([c], 'submission', daemon.config).names('mail'), []);
  });

  it('discovers every check file in policy/checks', async () => {
    const names = (await loadChecks()).map((c) => c.name).sort();
    for (const n of [
      'local-recipient',
      'recipient-syntax',
      'relay-permission',
      'sender-identity',
      'header-from',
    ]) {
      assert.ok(names.includes(n), `${n} missing from ${names.join(',')}`);
    }
  });

  it('recipient-syntax refuses every relay trick with 554 5.7.1 and rcpt default-denies remote domains', async () => {
    const checks = await loadChecks();
    const p = new Pipeline(
      checks.filter((c) => c.name === 'recipient-syntax' || c.name === 'relay-permission'),
      'smtp',
      daemon.config,
    );
    const { parseEnvelopeAddress } = await import('../../src/proto/smtp-address.js');
    for (const raw of [
      'user%remote.test@example.test',
      '@a.test:user@remote.test',
      '"user@remote.test"@example.test',
      'user@example.test@remote.test',
      'remote.test!user@example.test',
      'user@remote.test',
    ]) {
      const ctx = ctxFor(daemon);
      ctx.rcpt = { raw, parsed: parseEnvelopeAddress(raw) };
      const d = await p.run('rcpt', ctx);
      assert.equal(d.outcome, 'reject', raw);
      assert.equal(d.reply?.code, 554, raw);
      assert.equal(d.reply?.enhanced, '5.7.1', raw);
    }
  });
});
