/**
 * Mail for other domains is relayed only for authenticated users and the networks in
 * smtp.relay_networks. Everything else falls through to decide()'s default deny (554 5.7.1).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Check } from '../check.js';
import { accept, pass } from '../verdict.js';

const lists = new WeakMap<readonly string[], BlockList>();

function networks(cidrs: readonly string[]): BlockList {
  let list = lists.get(cidrs);
  if (!list) {
    list = new BlockList();
    for (const c of cidrs) {
      const [net, bits] = c.split('/');
      const type = isIPv6(net) ? 'ipv6' : 'ipv4';
      if (!isIPv4(net) && !isIPv6(net)) continue;
      if (bits === undefined) list.addAddress(net, type);
      else list.addSubnet(net, Number(bits), type);
    }
    lists.set(cidrs, list);
  }
  return list;
}

export function inNetworks(ip: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return false;
  const addr = ip.replace(/^::ffff:(?=\d+\.)/, '');
  return networks(cidrs).check(addr, isIPv6(addr) ? 'ipv6' : 'ipv4');
}

export const check: Check = {
  name: 'relay-permission',
  stage: 'rcpt',
  order: 30,
  run(ctx) {
    const step = ctx.rcpt;
    if (!step?.parsed.ok || step.resolution) return pass();
    const address = step.parsed.value.address;
    if (ctx.session.user) {
      step.resolution = { kind: 'relay', local: [], remote: [address] };
      return accept('authenticated-relay');
    }
    if (inNetworks(ctx.session.remoteAddress, ctx.daemon.config.smtp.relay_networks)) {
      step.resolution = { kind: 'relay', local: [], remote: [address] };
      return accept('relay-network');
    }
    return pass('relay-not-allowed');
  },
};
