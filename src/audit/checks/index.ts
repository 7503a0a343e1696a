/** Every audit check, in report order. */
import type { Check } from '../run.js';
import { dane } from './dane.js';
import { dkim } from './dkim.js';
import { dmarc } from './dmarc.js';
import { dnsbl } from './dnsbl.js';
import { dnssec } from './dnssec.js';
import { mtaSts } from './mta-sts.js';
import { mx } from './mx.js';
import { openRelay } from './open-relay.js';
import { ptr } from './ptr.js';
import { spf } from './spf.js';
import { tls } from './tls.js';
import { tlsRpt } from './tls-rpt.js';

export const checks: Check[] = [
  mx,
  ptr,
  tls,
  openRelay,
  spf,
  dkim,
  dmarc,
  mtaSts,
  tlsRpt,
  dnssec,
  dane,
  dnsbl,
];
