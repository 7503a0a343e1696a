/** SPF syntax, lookup counting over include/redirect trees, and check_host() evaluation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateSpf, inNetwork, isSpf, parseSpf, type SpfDns, walkSpf } from '../../src/audit/spf.js';

/** A zone as a table: name → TXT records, A records, MX targets. */
function tableDns(t: Record<string, { txt?: string[]; a?: string[]; mx?: string[] }>): SpfDns {
  const get = (n: string) => t[n.toLowerCase()];
  return {
    txt: async (n) => ({ rcode: get(n) ? 'NOERROR' : 'NXDOMAIN', records: get(n)?.txt ?? [] }),
    addresses: async (n) => ({ records: get(n)?.a ?? [] }),
    mx: async (n) => ({ records: (get(n)?.mx ?? []).map((exchange) => ({ exchange })) }),
  };
}

test('parseSpf: terms, qualifiers, CIDR and modifiers', () => {
  const r = parseSpf(
    'v=spf1 ip4:192.0.2.0/24 -ip6:2001:db8::/32 a:mail.example.com/28 mx//64 ~include:_spf.example.net redirect=x.example exp=e.example -all',
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.terms.map((t) => `${t.qualifier}${t.mechanism}`),
    ['+ip4', '-ip6', '+a', '+mx', '~include', '-all'],
  );
  assert.equal(r.terms[0].cidr4, 24);
  assert.equal(r.terms[1].cidr6, 32);
  assert.equal(r.terms[2].value, 'mail.example.com');
  assert.equal(r.terms[2].cidr4, 28);
  assert.equal(r.terms[3].cidr6, 64);
  assert.equal(r.redirect, 'x.example');
  assert.equal(r.exp, 'e.example');
});

test('parseSpf: hostile and broken records are reported, not thrown', () => {
  const cases: [string, RegExp][] = [
    ['v=spf1 ip4:300.1.1.1 -all', /not an IPv4 network/],
    ['v=spf1 ip4:192.0.2.1/33', /not an IPv4 network|out of range/],
    ['v=spf1 include -all', /needs a value/],
    ['v=spf1 all:foo', /takes no value/],
    ['v=spf1 frobnicate:x', /unknown term/],
    ['v=spf1 redirect=a redirect=b', /given twice/],
    ['spf1 -all', /does not start with v=spf1/],
    ['v=spf1 ip6:zz::1', /not an IPv6 network/],
  ];
  for (const [txt, want] of cases) {
    assert.match(parseSpf(txt).errors.join('; '), want, txt);
  }
  assert.equal(isSpf('v=spf1'), true);
  assert.equal(isSpf('V=SPF1 -all'), true);
  assert.equal(isSpf('v=spf10 -all'), false);
  assert.equal(isSpf('google-site-verification=abc'), false);
});

test('walkSpf counts DNS-querying terms recursively (include, a, mx, ptr, exists, redirect)', async () => {
  const dns = tableDns({
    'example.test': {
      txt: ['v=spf1 a mx include:i1.example.test include:i2.example.test -all'],
      a: ['192.0.2.1'],
      mx: ['mx.example.test'],
    },
    'i1.example.test': { txt: ['v=spf1 a mx ptr exists:x.example.test include:i3.example.test -all'] },
    'i2.example.test': { txt: ['v=spf1 a:x.example.test a:y.example.test mx:z.example.test -all'] },
    'i3.example.test': { txt: ['v=spf1 a -all'] },
  });
  const w = await walkSpf('example.test', parseSpf((await dns.txt('example.test')).records[0]), dns);
  assert.equal(w.lookups, 13);
  assert.deepEqual(w.visited, ['i1.example.test', 'i3.example.test', 'i2.example.test']);
  assert.ok(w.voidLookups > 2);

  const ok = await walkSpf('example.test', parseSpf('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all'), dns);
  assert.equal(ok.lookups, 0);
});

test('walkSpf: redirect counts and is followed only without "all"; loops and missing targets are errors', async () => {
  const dns = tableDns({
    'a.test': { txt: ['v=spf1 redirect=b.test'] },
    'b.test': { txt: ['v=spf1 include:a.test -all'] },
    'c.test': { txt: ['v=spf1 include:nothing.test -all'] },
  });
  const loop = await walkSpf('a.test', parseSpf('v=spf1 redirect=b.test'), dns);
  assert.equal(loop.lookups, 2);
  assert.match(loop.errors.join(), /loops back/);
  const ignored = await walkSpf('a.test', parseSpf('v=spf1 -all redirect=b.test'), dns);
  assert.equal(ignored.lookups, 0);
  const missing = await walkSpf('c.test', parseSpf('v=spf1 include:nothing.test -all'), dns);
  assert.match(missing.errors.join(), /nothing.test has no SPF record/);
});

test('evaluateSpf: check_host for ip4/ip6/a/mx/include/redirect and the all qualifier', async () => {
  const dns = tableDns({
    'ex.test': {
      txt: ['v=spf1 mx a:web.ex.test ip6:2001:db8::/48 include:isp.test ~all'],
      mx: ['mx.ex.test'],
    },
    'mx.ex.test': { a: ['192.0.2.10'] },
    'web.ex.test': { a: ['192.0.2.20'] },
    'isp.test': { txt: ['v=spf1 ip4:198.51.100.0/24 -all'] },
    'red.test': { txt: ['v=spf1 redirect=isp.test'] },
    'open.test': { txt: ['v=spf1 +all'] },
    'two.test': { txt: ['v=spf1 -all', 'v=spf1 +all'] },
  });
  assert.equal(await evaluateSpf('192.0.2.10', 'ex.test', dns), 'pass');
  assert.equal(await evaluateSpf('192.0.2.20', 'ex.test', dns), 'pass');
  assert.equal(await evaluateSpf('2001:db8::1', 'ex.test', dns), 'pass');
  assert.equal(await evaluateSpf('198.51.100.7', 'ex.test', dns), 'pass');
  assert.equal(await evaluateSpf('203.0.113.1', 'ex.test', dns), 'softfail');
  assert.equal(await evaluateSpf('198.51.100.7', 'red.test', dns), 'pass');
  assert.equal(await evaluateSpf('203.0.113.1', 'red.test', dns), 'fail');
  assert.equal(await evaluateSpf('203.0.113.1', 'open.test', dns), 'pass');
  assert.equal(await evaluateSpf('203.0.113.1', 'two.test', dns), 'permerror');
  assert.equal(await evaluateSpf('203.0.113.1', 'none.test', dns), 'none');
});

test('inNetwork: prefixes and families', () => {
  assert.equal(inNetwork('192.0.2.255', '192.0.2.0', 24), true);
  assert.equal(inNetwork('192.0.3.0', '192.0.2.0', 24), false);
  assert.equal(inNetwork('10.1.2.3', '0.0.0.0', 0), true);
  assert.equal(inNetwork('2001:db8::1', '192.0.2.0', 24), false);
  assert.equal(inNetwork('2001:db8:0:1::5', '2001:db8::', 48), true);
});
