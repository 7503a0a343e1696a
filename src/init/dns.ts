/** The DNS records an operator publishes for a new mail domain, as zone-file lines. */

export interface DnsInput {
  domain: string;
  hostname: string;
  selector: string;
  /** base64 SubjectPublicKeyInfo of the DKIM key. */
  dkimPublicKey: string;
  ipv4?: string;
  ipv6?: string;
  /** yyyymmdd… id for the MTA-STS policy. */
  stsId: string;
}

export interface DnsRecord {
  name: string;
  type: string;
  value: string;
  /** Why it is there or what to replace; printed as a zone-file comment. */
  note?: string;
}

/** TXT data longer than 255 octets must be split into several strings (RFC 1035 §3.3.14). */
export function txtStrings(text: string): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 250) parts.push(`"${text.slice(i, i + 250)}"`);
  return parts.length > 1 ? `( ${parts.join(' ')} )` : parts[0];
}

export function dnsRecords(i: DnsInput): DnsRecord[] {
  const d = `${i.domain}.`;
  const h = `${i.hostname}.`;
  return [
    { name: d, type: 'MX', value: `10 ${h}`, note: 'mail for the domain goes to this server' },
    {
      name: h,
      type: 'A',
      value: i.ipv4 ?? '192.0.2.1',
      note: i.ipv4
        ? 'detected on this machine: use the public address if it is behind NAT'
        : 'replace with the public IPv4',
    },
    ...(i.ipv6 ? [{ name: h, type: 'AAAA', value: i.ipv6, note: 'detected on this machine' }] : []),
    {
      name: d,
      type: 'TXT',
      value: txtStrings('v=spf1 mx -all'),
      note: 'SPF: only the MX hosts send for the domain',
    },
    {
      name: `${i.selector}._domainkey.${d}`,
      type: 'TXT',
      value: txtStrings(`v=DKIM1; k=rsa; p=${i.dkimPublicKey}`),
      note: 'DKIM public key for outbound signatures',
    },
    {
      name: `_dmarc.${d}`,
      type: 'TXT',
      value: txtStrings(`v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:postmaster@${i.domain}`),
      note: 'DMARC: start with p=none if other systems send as this domain',
    },
    {
      name: `_mta-sts.${d}`,
      type: 'TXT',
      value: txtStrings(`v=STSv1; id=${i.stsId}`),
      note: `MTA-STS: also serve https://mta-sts.${i.domain}/.well-known/mta-sts.txt (mode: testing, mx: ${i.hostname})`,
    },
    {
      name: `_smtp._tls.${d}`,
      type: 'TXT',
      value: txtStrings(`v=TLSRPTv1; rua=mailto:tlsrpt@${i.domain}`),
      note: 'TLS-RPT: where other servers report TLS failures',
    },
  ];
}

/** Zone-file text: aligned columns, a comment after each record, PTR advice at the end. */
export function zoneText(records: DnsRecord[], hostname: string, ipv4?: string): string {
  const nameWidth = Math.max(...records.map((r) => r.name.length));
  const lines = records.map(
    (r) =>
      `${r.name.padEnd(nameWidth)}  3600  IN  ${r.type.padEnd(4)}  ${r.value}${r.note ? `  ; ${r.note}` : ''}`,
  );
  lines.push(
    `; PTR: ask the owner of ${ipv4 ?? 'the public IP'} (your provider) to set its reverse name to ${hostname}. — receivers check forward-confirmed reverse DNS`,
  );
  return lines.join('\n');
}
